// The word-line driver: latches the input vector (LANES elements per SRAM row
// loaded), then for input bit `bit_idx` raises word line j of the current
// group when element first+j exists (< count) and has that bit set.
module wordline_driver #(
    parameter int LANES = 32,
    parameter int WBITS = 8,
    parameter int ROWS = 576,
    parameter int ROWS_PER_CYCLE = 64,
    parameter int ROW_BITS = 16
) (
    input logic clk,
    // input latch: row `load_index` of the input vector
    input logic load,
    input logic [ROW_BITS-1:0] load_index,
    input logic [LANES*WBITS-1:0] load_row,
    // selection
    input logic [ROW_BITS-1:0] first,
    input logic [ROW_BITS-1:0] count,
    input logic [3:0] bit_idx,
    output logic [ROWS_PER_CYCLE-1:0] wl
);
  logic [WBITS-1:0] x[ROWS];

  always_ff @(posedge clk) begin
    if (load) begin
      for (int l = 0; l < LANES; l++) begin
        if (32'(load_index) * LANES + l < ROWS)
          x[32'(load_index)*LANES+l] <= load_row[l*WBITS+:WBITS];
      end
    end
  end

  always_comb begin
    for (int j = 0; j < ROWS_PER_CYCLE; j++) begin
      wl[j] = 1'b0;
      if (32'(first) + j < 32'(count) && 32'(first) + j < ROWS)
        wl[j] = 1'((x[32'(first)+j] >> bit_idx) & WBITS'(1));  // bit `bit_idx` of element first+j
    end
  end
endmodule
