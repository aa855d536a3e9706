// The hybrid array: NVM rows 0..NVM_ROWS-1 then SRAM rows, each LANES x WBITS
// bits, plus the NVM program engine. One engine programs one row at a time:
// the row is busy for NVM_PROG_CYCLES cycles after the program starts, and its
// wear counter counts programs. Reads are combinational (word lines raised in
// the same cycle); reset touches neither contents nor wear.
module hybrid_array #(
    parameter int LANES = 32,
    parameter int WBITS = 8,
    parameter int NVM_ROWS = 512,
    parameter int SRAM_ROWS = 64,
    parameter int ROWS_PER_CYCLE = 64,
    parameter int NVM_PROG_CYCLES = 200,
    parameter int ROW_BITS = 16
) (
    input logic clk,
    input logic rst_n,
    // controller write port: SRAM write, or NVM program start when prog_start
    input logic we,
    input logic prog_start,
    input logic [ROW_BITS-1:0] waddr,
    input logic [LANES*WBITS-1:0] wdata,
    // two single-row read ports and the word-line group port
    input logic [ROW_BITS-1:0] raddr_a,
    output logic [LANES*WBITS-1:0] rdata_a,
    input logic [ROW_BITS-1:0] raddr_b,
    output logic [LANES*WBITS-1:0] rdata_b,
    input logic [ROW_BITS-1:0] group_base,
    output logic [LANES*WBITS-1:0] group_rows[ROWS_PER_CYCLE],
    // wear of NVM row raddr_a
    output logic [31:0] wear_a,
    // program engine state
    output logic prog_busy,
    output logic [ROW_BITS-1:0] prog_row
);
  localparam int ROWS = NVM_ROWS + SRAM_ROWS;
  localparam int PC_BITS = $clog2(NVM_PROG_CYCLES + 2);
  localparam int AW = $clog2(ROWS);  // index widths of the row and wear arrays
  localparam int NW = $clog2(NVM_ROWS);

  // Public so the simulation harness can restore NVM from an image at power-on
  // and inspect whole-array state without spending cycles (sim/tile/rtl_tile.cpp).
  logic [LANES*WBITS-1:0] mem[ROWS]  /*verilator public_flat_rw*/;
  logic [31:0] wear[NVM_ROWS]  /*verilator public_flat_rw*/;
  logic [PC_BITS-1:0] prog_left;

  function automatic logic [LANES*WBITS-1:0] row_at(input logic [ROW_BITS-1:0] r);
    return 32'(r) < ROWS ? mem[AW'(r)] : '0;
  endfunction

  function automatic logic [31:0] wear_at(input logic [ROW_BITS-1:0] r);
    return 32'(r) < NVM_ROWS ? wear[NW'(r)] : '0;
  endfunction

  assign rdata_a = row_at(raddr_a);
  assign rdata_b = row_at(raddr_b);
  assign wear_a = wear_at(raddr_a);
  assign prog_busy = prog_left != '0;

  always_comb begin
    for (int j = 0; j < ROWS_PER_CYCLE; j++) group_rows[j] = row_at(group_base + ROW_BITS'(j));
  end

  always_ff @(posedge clk) begin
    if (we && 32'(waddr) < ROWS) mem[AW'(waddr)] <= wdata;
    if (prog_start && 32'(waddr) < NVM_ROWS) wear[NW'(waddr)] <= wear[NW'(waddr)] + 32'd1;
  end

  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      prog_left <= '0;
      prog_row <= '0;
    end else if (prog_start) begin
      prog_left <= PC_BITS'(NVM_PROG_CYCLES);
      prog_row <= waddr;
    end else if (prog_left != '0) begin
      prog_left <= prog_left - 1'b1;
    end
  end
endmodule
