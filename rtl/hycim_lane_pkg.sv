// How the tile reads a stored lane as a number; shared by the lane adder and
// the EMUL path so both decode exactly like the C++ model's LaneDecoder.
package hycim_lane_pkg;
  // The low `bits` bits of `raw`, sign-extended to 32 bits when `is_signed`.
  // bits is 1..8 whenever the result is used (the controller checks widths).
  function automatic logic [31:0] lane_value(input logic [7:0] raw, input logic [3:0] bits,
                                             input logic is_signed);
    logic [31:0] mask, sign;
    mask = (32'd1 << bits) - 32'd1;
    sign = is_signed ? (32'd1 << (bits - 4'd1)) : 32'd0;
    return ((32'(raw) & mask) ^ sign) - sign;
  endfunction
endpackage
