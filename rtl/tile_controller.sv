// The tile controller: accepts one command at a time on a valid/ready port,
// checks it (an illegal command is answered at once with its status and changes
// nothing), sequences the array, word-line driver, lane adder and transfer
// region, and answers on a valid/ready result port with the status, the
// accumulator row and the cycles the command took (spec/hycim.json "cycles").
module tile_controller
  import hycim_spec_pkg::*;
  import hycim_lane_pkg::*;
#(
    parameter int LANES = 32,
    parameter int WBITS = 8,
    parameter int XBITS = 8,
    parameter int NVM_ROWS = 512,
    parameter int SRAM_ROWS = 64,
    parameter int ROWS_PER_CYCLE = 64,
    parameter int ACC_BITS = 32,
    parameter int NVM_ENDURANCE = 1000000
) (
    input logic clk,
    input logic rst_n,
    // command port
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
    // result port
    output logic rsp_valid,
    input logic rsp_ready,
    output logic [STATUS_BITS-1:0] rsp_status,
    output logic [LANES*ACC_BITS-1:0] rsp_data,
    output logic [CYCLE_BITS-1:0] rsp_cycles,
    // array
    output logic arr_we,
    output logic arr_prog_start,
    output logic [ROW_BITS-1:0] arr_waddr,
    output logic [LANES*WBITS-1:0] arr_wdata,
    output logic [ROW_BITS-1:0] arr_raddr_a,
    input logic [LANES*WBITS-1:0] arr_rdata_a,
    output logic [ROW_BITS-1:0] arr_raddr_b,
    input logic [LANES*WBITS-1:0] arr_rdata_b,
    output logic [ROW_BITS-1:0] arr_group_base,
    input logic [31:0] arr_wear_a,
    input logic prog_busy,
    input logic [ROW_BITS-1:0] prog_row,
    // word-line driver
    output logic wld_load,
    output logic [ROW_BITS-1:0] wld_load_index,
    output logic [ROW_BITS-1:0] wld_first,
    output logic [ROW_BITS-1:0] wld_count,
    output logic [3:0] wld_bit,
    // lane adder
    output logic [3:0] add_wbits,
    output logic add_wsigned,
    input logic [ACC_BITS-1:0] group_sums[LANES],
    // transfer region
    output logic tr_clear,
    output logic tr_gather,
    output logic tr_commit,
    output logic tr_subtract,
    output logic [ACC_BITS-1:0] tr_addend[LANES],
    input logic [ACC_BITS-1:0] tr_acc_next[LANES]
);
  localparam int ROWS = NVM_ROWS + SRAM_ROWS;

  typedef enum logic [2:0] {
    S_IDLE,
    S_LOADX,
    S_MVM,
    S_EMUL,
    S_WAIT
  } state_t;

  state_t state;
  logic [OP_BITS-1:0] op;
  logic [ROW_BITS-1:0] row, row2, count, step, last_step, grp, last_grp;
  logic [3:0] xbits, wbits, bit_idx;
  logic xsigned, wsigned;
  logic [LANES*WBITS-1:0] data, emul_a, emul_b;
  logic [CYCLE_BITS-1:0] cyc;

  // ---- checks of the incoming command (spec "check_order") ----
  logic [31:0] c_row, c_row2, c_count, c_xrows;
  logic widths_ok, row2_sram, busy_row, busy_range;
  logic [STATUS_BITS-1:0] check;
  always_comb begin
    c_row = 32'(cmd_row);
    c_row2 = 32'(cmd_row2);
    c_count = 32'(cmd_count);
    c_xrows = (c_count + LANES - 1) / LANES;
    widths_ok = cmd_xbits >= 4'd1 && 32'(cmd_xbits) <= XBITS && cmd_wbits >= 4'd1 &&
                32'(cmd_wbits) <= WBITS;
    row2_sram = c_row2 >= NVM_ROWS && c_row2 < ROWS;
    busy_row = prog_busy && prog_row == cmd_row;
    busy_range = prog_busy && 32'(prog_row) >= c_row && 32'(prog_row) - c_row < c_count;
    check = ST_OK;
    case (cmd_op)
      OP_NOP, OP_SYNC: check = ST_OK;
      OP_WRITE_SRAM: if (c_row < NVM_ROWS || c_row >= ROWS) check = ST_ROW_RANGE;
      OP_PROGRAM_NVM:
      if (c_row >= NVM_ROWS) check = ST_ROW_RANGE;
      else if (arr_wear_a >= NVM_ENDURANCE) check = ST_WORN_OUT;
      OP_READ_ROW:
      if (c_row >= ROWS) check = ST_ROW_RANGE;
      else if (busy_row) check = ST_ROW_BUSY;
      OP_READ_WEAR: if (c_row >= NVM_ROWS) check = ST_ROW_RANGE;
      OP_MVM:
      if (!widths_ok) check = ST_BAD_WIDTH;
      else if (c_count == 0) check = ST_BAD_COUNT;
      else if (c_row + c_count > ROWS || !row2_sram || c_row2 + c_xrows > ROWS)
        check = ST_ROW_RANGE;
      else if (busy_range) check = ST_ROW_BUSY;
      OP_EMUL:
      if (!widths_ok) check = ST_BAD_WIDTH;
      else if (c_row >= NVM_ROWS || !row2_sram) check = ST_ROW_RANGE;
      else if (busy_row) check = ST_ROW_BUSY;
      default: check = ST_BAD_OPCODE;
    endcase
  end

  assign cmd_ready = state == S_IDLE && (!rsp_valid || rsp_ready);
  wire accept = cmd_valid && cmd_ready;
  wire ok = check == ST_OK;

  // ---- datapath control (combinational from state) ----
  logic finish_mvm, finish_emul, engine_free;
  always_comb begin
    engine_free = !prog_busy;
    finish_mvm = state == S_MVM && grp == last_grp && bit_idx == 4'd0;
    finish_emul = state == S_EMUL && bit_idx == 4'd0;

    arr_raddr_a = state == S_IDLE ? cmd_row : row2 + step;  // LOADX walks the input rows
    arr_raddr_b = cmd_row2;
    arr_group_base = row + grp * ROW_BITS'(ROWS_PER_CYCLE);
    arr_we = 1'b0;
    arr_prog_start = 1'b0;
    arr_waddr = cmd_row;
    arr_wdata = cmd_data;
    if (accept && ok && (cmd_op == OP_WRITE_SRAM || (cmd_op == OP_PROGRAM_NVM && engine_free))) begin
      arr_we = 1'b1;
      arr_prog_start = cmd_op == OP_PROGRAM_NVM;
    end else if (state == S_WAIT && op == OP_PROGRAM_NVM && engine_free) begin
      arr_we = 1'b1;
      arr_prog_start = 1'b1;
      arr_waddr = row;
      arr_wdata = data;
    end

    wld_load = state == S_LOADX;
    wld_load_index = step;
    wld_first = grp * ROW_BITS'(ROWS_PER_CYCLE);
    wld_count = count;
    wld_bit = bit_idx;
    add_wbits = wbits;
    add_wsigned = wsigned;

    tr_clear = accept && ok && (cmd_op == OP_MVM || cmd_op == OP_EMUL);
    tr_gather = state == S_MVM && grp != last_grp;
    tr_commit = (state == S_MVM && grp == last_grp) || state == S_EMUL;
    tr_subtract = xsigned && bit_idx == xbits - 4'd1;
    for (int l = 0; l < LANES; l++) begin
      if (state == S_EMUL)
        tr_addend[l] = emul_b[l*WBITS+32'(bit_idx)] ?
            ACC_BITS'(lane_value(8'(emul_a[l*WBITS+:WBITS]), wbits, wsigned)) : '0;
      else tr_addend[l] = group_sums[l];
    end
  end

  function automatic logic [LANES*ACC_BITS-1:0] zext_row(input logic [LANES*WBITS-1:0] r);
    logic [LANES*ACC_BITS-1:0] out;
    out = '0;
    for (int l = 0; l < LANES; l++) out[l*ACC_BITS+:ACC_BITS] = ACC_BITS'(r[l*WBITS+:WBITS]);
    return out;
  endfunction

  function automatic logic [LANES*ACC_BITS-1:0] pack_acc(input logic [ACC_BITS-1:0] a[LANES]);
    logic [LANES*ACC_BITS-1:0] out;
    for (int l = 0; l < LANES; l++) out[l*ACC_BITS+:ACC_BITS] = a[l];
    return out;
  endfunction

  // ---- sequencing ----
  always_ff @(posedge clk or negedge rst_n) begin
    if (!rst_n) begin
      state <= S_IDLE;
      rsp_valid <= 1'b0;
      rsp_status <= ST_OK;
      rsp_data <= '0;
      rsp_cycles <= '0;
      cyc <= '0;
    end else begin
      if (rsp_valid && rsp_ready) rsp_valid <= 1'b0;
      if (state != S_IDLE) cyc <= cyc + 1'b1;
      case (state)
        S_IDLE:
        if (accept) begin
          op <= cmd_op;
          row <= cmd_row;
          row2 <= cmd_row2;
          count <= cmd_count;
          xbits <= cmd_xbits;
          wbits <= cmd_wbits;
          xsigned <= cmd_xsigned;
          wsigned <= cmd_wsigned;
          data <= cmd_data;
          emul_a <= arr_rdata_a;
          emul_b <= arr_rdata_b;
          step <= '0;
          last_step <= ROW_BITS'(c_xrows - 1);
          grp <= '0;
          last_grp <= ROW_BITS'((c_count + ROWS_PER_CYCLE - 1) / ROWS_PER_CYCLE - 1);
          bit_idx <= cmd_xbits - 4'd1;
          cyc <= 1;
          rsp_status <= check;
          rsp_data <= '0;
          rsp_cycles <= 1;
          rsp_valid <= 1'b1;  // answered now unless a multi-cycle state follows
          if (ok) begin
            case (cmd_op)
              OP_READ_ROW: rsp_data <= zext_row(arr_rdata_a);
              OP_READ_WEAR: rsp_data <= (LANES * ACC_BITS)'(arr_wear_a);
              OP_PROGRAM_NVM, OP_SYNC:
              if (!engine_free) begin
                state <= S_WAIT;
                rsp_valid <= 1'b0;
              end
              OP_MVM: begin
                state <= S_LOADX;
                rsp_valid <= 1'b0;
              end
              OP_EMUL: begin
                state <= S_EMUL;
                rsp_valid <= 1'b0;
              end
              default: ;
            endcase
          end
        end
        S_LOADX: begin
          step <= step + 1'b1;
          if (step == last_step) state <= S_MVM;
        end
        S_MVM: begin
          grp <= grp == last_grp ? '0 : grp + 1'b1;
          if (grp == last_grp && bit_idx != 4'd0) bit_idx <= bit_idx - 4'd1;
        end
        S_EMUL: bit_idx <= bit_idx - 4'd1;
        S_WAIT: ;
        default: state <= S_IDLE;
      endcase
      if (finish_mvm || finish_emul || (state == S_WAIT && engine_free)) begin
        state <= S_IDLE;
        rsp_valid <= 1'b1;
        rsp_cycles <= cyc + 1'b1;
        rsp_data <= state == S_WAIT ? '0 : pack_acc(tr_acc_next);
      end
    end
  end
endmodule
