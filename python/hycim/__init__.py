"""hycim: run ONNX models on a simulated hybrid NVM/SRAM compute-in-memory device.

    import hycim
    with hycim.Device("sim://?preset=cnn") as dev:
        s = hycim.Session("model.onnx", device=dev, calibration=batches)
        (logits,) = s.run({"input": x})          # numpy in, numpy out
        print(s.stats["sim_us"], s.stats["energy_pj"])

Devices are driver URIs (docs/driver.md): ``sim://`` (the in-process
simulated device, ``?preset=``, ``?tile=rtl``, ``?nvm=IMAGE``, ...) or
``unix://SOCKET`` (a hycimd daemon). Errors are :class:`Error` (and its
subclasses :class:`DeviceError`, :class:`DataError`) carrying the messages
the ``hycim`` CLI prints. Every call that waits on the device releases the
GIL, so Python threads keep several sessions busy at once.

Submodules: :mod:`hycim.data` (the packed-dataset cache and its loader),
:mod:`hycim.torch` (offloading a PyTorch module's inference to the device).
"""
from ._native import DataError, DeviceError, Error
from ._api import Device, Session, ValueInfo, calibrate, presets, quantize

__all__ = [
    "Device", "Session", "ValueInfo", "calibrate", "quantize", "presets",
    "Error", "DeviceError", "DataError",
]
