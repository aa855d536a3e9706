// The transfer region: the accumulator row and the partial sum of the current
// bit plane. `gather` adds a word-line group's sums to the partial; `commit`
// shifts the accumulator left by one and adds (or, for a signed input's MSB
// plane, subtracts) partial + addend. acc_next is what the row holds after
// this cycle, so the controller can answer in the cycle of the last commit.
module transfer_region #(
    parameter int LANES = 32,
    parameter int ACC_BITS = 32
) (
    input logic clk,
    input logic clear,
    input logic gather,
    input logic commit,
    input logic subtract,
    input logic [ACC_BITS-1:0] addend[LANES],
    output logic [ACC_BITS-1:0] acc_next[LANES]
);
  logic [ACC_BITS-1:0] acc[LANES];
  logic [ACC_BITS-1:0] partial[LANES];

  always_comb begin
    for (int l = 0; l < LANES; l++) begin
      logic [ACC_BITS-1:0] plane;
      plane = partial[l] + addend[l];
      acc_next[l] = acc[l];
      if (clear) acc_next[l] = '0;
      else if (commit) acc_next[l] = (acc[l] << 1) + (subtract ? -plane : plane);
    end
  end

  always_ff @(posedge clk) begin
    for (int l = 0; l < LANES; l++) begin
      acc[l] <= acc_next[l];
      if (clear || commit) partial[l] <= '0;
      else if (gather) partial[l] <= partial[l] + addend[l];
    end
  end
endmodule
