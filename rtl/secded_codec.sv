// secded_codec: the Hsiao SEC-DED code of one NVM row, encoder and decoder,
// purely combinational. The code is sim/nvm/secded.hpp's, which says why
// Hsiao and defines it; tests/nvm/secded_rtl_test.cpp checks this module
// against that C++ codec bit for bit.
//
// For DATA_BITS above 1024, verilate with --unroll-count DATA_BITS (by
// default Verilator unrolls at most 1024 generate iterations).

// The code's functions, in a package so the port widths can use them; it
// lives in this file with its one user.
/* verilator lint_off DECLFILENAME */
package secded_pkg;
  // Smallest r with 2^(r-1) - r >= k: enough odd-weight r-bit vectors of
  // weight >= 3 for k data columns. k is 1..4096, so r <= 14.
  function automatic int check_bits(input int k);
    int r;
    r = 3;
    while ((1 << (r - 1)) - r < k) r++;
    return r;
  endfunction

  // n choose m, for n <= 14 (every partial product is exact).
  function automatic int choose(input int n, input int m);
    int c;
    c = 1;
    for (int j = 0; j < m; j++) c = c * (n - j) / (j + 1);
    return c;
  endfunction

  // The H column of data bit i for r check bits: the i-th vector of every
  // weight-3 vector by increasing value, then weight 5, weight 7, ... Found by
  // unranking (not by counting through the vectors, which the C++ does):
  // vectors of weight w by increasing value are w-subsets of bit positions in
  // colex order, and the one of rank m has top bit the largest c with
  // C(c, w) <= m, then rank m - C(c, w) among the (w-1)-subsets below c.
  function automatic logic [15:0] column(input int r, input int i);
    int w, m, c;
    logic [15:0] v;
    w = 3;
    m = i;
    while (m >= choose(r, w)) begin
      m -= choose(r, w);
      w += 2;
    end
    v = '0;
    for (int t = w; t >= 1; t--) begin
      c = t - 1;
      while (choose(c + 1, t) <= m) c++;
      v[c] = 1'b1;
      m -= choose(c, t);
    end
    return v;
  endfunction
endpackage
/* verilator lint_on DECLFILENAME */

module secded_codec
  import secded_pkg::*;
#(
    parameter int DATA_BITS = 256,
    localparam int CHECK_BITS = check_bits(DATA_BITS),
    // Codeword positions: data bits 0..k-1, check bits k..k+r-1.
    localparam int POS_BITS = $clog2(DATA_BITS + CHECK_BITS)
) (
    input logic [DATA_BITS-1:0] data,
    input logic [CHECK_BITS-1:0] check,     // stored check bits, for the decoder
    output logic [CHECK_BITS-1:0] encoded,  // encoder: the check bits of `data`
    output logic [DATA_BITS-1:0] data_fixed,
    output logic [CHECK_BITS-1:0] check_fixed,
    output logic clean,
    output logic corrected,
    output logic uncorrectable,
    output logic [POS_BITS-1:0] position  // the corrected bit; 0 unless `corrected`
);
  logic [DATA_BITS-1:0] h_row[CHECK_BITS];  // H's rows over the data bits (constants)
  logic [CHECK_BITS-1:0] syndrome, check_err;
  logic [DATA_BITS-1:0] data_err;

  for (genvar i = 0; i < DATA_BITS; i++) begin : g_col
    localparam logic [CHECK_BITS-1:0] COL = CHECK_BITS'(column(CHECK_BITS, i));
    for (genvar j = 0; j < CHECK_BITS; j++) begin : g_bit
      assign h_row[j][i] = COL[j];
    end
    // The correction decoder: one r-input AND per data bit.
    assign data_err[i] = syndrome == COL;
  end

  // The encoder and syndrome generator: one XOR tree per check bit.
  for (genvar j = 0; j < CHECK_BITS; j++) begin : g_check
    assign encoded[j] = ^(data & h_row[j]);
    assign check_err[j] = syndrome == CHECK_BITS'(1 << j);
  end
  assign syndrome = encoded ^ check;

  // Every column has odd weight, so one flipped bit gives an odd syndrome that
  // matches its column; two give an even non-zero one, matching none. At most
  // one of data_err and check_err is set (the columns are distinct).
  assign clean = syndrome == '0;
  assign corrected = |data_err || |check_err;
  assign uncorrectable = !clean && !corrected;
  assign data_fixed = data ^ data_err;
  assign check_fixed = check ^ check_err;

  always_comb begin
    position = '0;
    for (int i = 0; i < DATA_BITS; i++) position |= data_err[i] ? POS_BITS'(i) : '0;
    for (int j = 0; j < CHECK_BITS; j++)
      position |= check_err[j] ? POS_BITS'(DATA_BITS + j) : '0;
  end
endmodule
