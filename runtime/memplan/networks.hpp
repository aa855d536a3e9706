// Training traces of published networks, from their layer shapes (fp32,
// conv+bn+relu fused into one op as cuDNN/frameworks usually run them):
// VGG-16 and ResNet-50 on 224x224 ImageNet, BERT-base at sequence 128.
// Op times come from the Hardware roofline; ReLU-output sparsity follows the
// rise with depth reported by cDMA (about 50% early to 85% late layers).
#pragma once
#include <string>
#include <vector>

#include "runtime/memplan/hardware.hpp"
#include "runtime/memplan/trace.hpp"

namespace hycim::memplan {

std::vector<std::string> network_names();  // "vgg16", "resnet50", "bert-base"

// Throws MemplanError for an unknown name or a batch < 1.
Trace make_network(const std::string& name, int batch, const Hardware& hw = {});

// A student trained against a teacher's logits: the teacher's forward pass is
// declared with fixed weights (phase "inference") ahead of the student.
Trace make_distillation(const std::string& student, const std::string& teacher, int batch,
                        const Hardware& hw = {});

}  // namespace hycim::memplan
