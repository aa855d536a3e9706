// Per-lane adder: each lane sums the weights of the raised rows of its column,
// decoded with the command's weight width and signedness.
module lane_adder
  import hycim_lane_pkg::*;
#(
    parameter int LANES = 32,
    parameter int WBITS = 8,
    parameter int ROWS_PER_CYCLE = 64,
    parameter int ACC_BITS = 32
) (
    input logic [LANES*WBITS-1:0] rows[ROWS_PER_CYCLE],
    input logic [ROWS_PER_CYCLE-1:0] wl,
    input logic [3:0] wbits,
    input logic wsigned,
    output logic [ACC_BITS-1:0] sums[LANES]
);
  always_comb begin
    for (int l = 0; l < LANES; l++) begin
      sums[l] = '0;
      for (int j = 0; j < ROWS_PER_CYCLE; j++)
        if (wl[j]) sums[l] = sums[l] + ACC_BITS'(lane_value(8'(rows[j][l*WBITS+:WBITS]), wbits, wsigned));
    end
  end
endmodule
