// hycim_tile: one compute-in-memory tile. Parameters come from spec/hycim.json
// (passed with -G at verilation); opcodes and status codes from the generated
// hycim_spec_pkg. See docs/device.md, "Tile commands".
module hycim_tile
  import hycim_spec_pkg::*;
#(
    parameter int LANES = 32,
    parameter int WBITS = 8,
    parameter int XBITS = 8,
    parameter int NVM_ROWS = 512,
    parameter int SRAM_ROWS = 64,
    parameter int ROWS_PER_CYCLE = 64,
    parameter int ACC_BITS = 32,
    parameter int NVM_PROG_CYCLES = 200,
    parameter int NVM_ENDURANCE = 1000000
) (
    input logic clk,
    input logic rst_n,
    input logic cmd_valid,
    output logic cmd_ready,
    input logic [OP_BITS-1:0] cmd_op,
    input logic [ROW_BITS-1:0] cmd_row,
    input logic [ROW_BITS-1:0] cmd_row2,
    input logic [ROW_BITS-1:0] cmd_count,
    input logic [WIDTH_BITS-1:0] cmd_xbits,
    input logic [WIDTH_BITS-1:0] cmd_wbits,
    input logic cmd_xsigned,
    input logic cmd_wsigned,
    input logic [LANES*WBITS-1:0] cmd_data,
    output logic rsp_valid,
    input logic rsp_ready,
    output logic [STATUS_BITS-1:0] rsp_status,
    output logic [LANES*ACC_BITS-1:0] rsp_data,
    output logic [CYCLE_BITS-1:0] rsp_cycles
);
  localparam int ROWS = NVM_ROWS + SRAM_ROWS;

  logic arr_we, arr_prog_start, prog_busy, wld_load, add_wsigned;
  logic [ROW_BITS-1:0] arr_waddr, arr_raddr_a, arr_raddr_b, arr_group_base, prog_row;
  logic [ROW_BITS-1:0] wld_load_index, wld_first, wld_count;
  logic [LANES*WBITS-1:0] arr_wdata, arr_rdata_a, arr_rdata_b;
  logic [LANES*WBITS-1:0] group_rows[ROWS_PER_CYCLE];
  logic [31:0] arr_wear_a;
  logic [3:0] wld_bit, add_wbits;
  logic [ROWS_PER_CYCLE-1:0] wl;
  logic [ACC_BITS-1:0] group_sums[LANES], tr_addend[LANES], tr_acc_next[LANES];
  logic tr_clear, tr_gather, tr_commit, tr_subtract;

  hybrid_array #(
      .LANES(LANES), .WBITS(WBITS), .NVM_ROWS(NVM_ROWS), .SRAM_ROWS(SRAM_ROWS),
      .ROWS_PER_CYCLE(ROWS_PER_CYCLE), .NVM_PROG_CYCLES(NVM_PROG_CYCLES), .ROW_BITS(ROW_BITS)
  ) u_array (
      .clk, .rst_n, .we(arr_we), .prog_start(arr_prog_start), .waddr(arr_waddr),
      .wdata(arr_wdata), .raddr_a(arr_raddr_a), .rdata_a(arr_rdata_a), .raddr_b(arr_raddr_b),
      .rdata_b(arr_rdata_b), .group_base(arr_group_base), .group_rows, .wear_a(arr_wear_a),
      .prog_busy, .prog_row
  );

  wordline_driver #(
      .LANES(LANES), .WBITS(WBITS), .ROWS(ROWS), .ROWS_PER_CYCLE(ROWS_PER_CYCLE),
      .ROW_BITS(ROW_BITS)
  ) u_wordlines (
      .clk, .load(wld_load), .load_index(wld_load_index), .load_row(arr_rdata_a),
      .first(wld_first), .count(wld_count), .bit_idx(wld_bit), .wl
  );

  lane_adder #(
      .LANES(LANES), .WBITS(WBITS), .ROWS_PER_CYCLE(ROWS_PER_CYCLE), .ACC_BITS(ACC_BITS)
  ) u_adder (
      .rows(group_rows), .wl, .wbits(add_wbits), .wsigned(add_wsigned), .sums(group_sums)
  );

  transfer_region #(
      .LANES(LANES), .ACC_BITS(ACC_BITS)
  ) u_transfer (
      .clk, .clear(tr_clear), .gather(tr_gather), .commit(tr_commit), .subtract(tr_subtract),
      .addend(tr_addend), .acc_next(tr_acc_next)
  );

  tile_controller #(
      .LANES(LANES), .WBITS(WBITS), .XBITS(XBITS), .NVM_ROWS(NVM_ROWS), .SRAM_ROWS(SRAM_ROWS),
      .ROWS_PER_CYCLE(ROWS_PER_CYCLE), .ACC_BITS(ACC_BITS), .NVM_ENDURANCE(NVM_ENDURANCE)
  ) u_ctrl (
      .clk, .rst_n, .cmd_valid, .cmd_ready, .cmd_op, .cmd_row, .cmd_row2, .cmd_count,
      .cmd_xbits, .cmd_wbits, .cmd_xsigned, .cmd_wsigned, .cmd_data, .rsp_valid, .rsp_ready,
      .rsp_status, .rsp_data, .rsp_cycles, .arr_we, .arr_prog_start, .arr_waddr, .arr_wdata,
      .arr_raddr_a, .arr_rdata_a, .arr_raddr_b, .arr_rdata_b, .arr_group_base, .arr_wear_a,
      .prog_busy, .prog_row, .wld_load, .wld_load_index, .wld_first, .wld_count,
      .wld_bit, .add_wbits, .add_wsigned, .group_sums, .tr_clear, .tr_gather, .tr_commit,
      .tr_subtract, .tr_addend, .tr_acc_next
  );
endmodule
