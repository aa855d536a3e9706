// `hycim sim` result rows: one per simulated layer (or sweep point), with a
// fixed, documented set of fields, printed as an aligned table, CSV with a
// header line, or a JSON array of objects. The field list below is the
// contract: names never change meaning; new fields are appended.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hycim::cli::sim {

// One row: a JSON object holding every field of fields() (null when unknown,
// e.g. the measurements of a point that failed), in that order.
using Row = nlohmann::ordered_json;

struct Field {
  const char* name;
  const char* help;
  bool in_table;  // shown by --format table (CSV and JSON always have every field)
  int decimals;   // table decimals for a floating-point field
};

const std::vector<Field>& fields();

// A row with every field present and null.
Row empty_row();

// "  name  help" lines for the --help footer.
std::string fields_help();

// Writes the rows to stdout in `format` ("table", "csv", "json"); failed rows
// of a table are listed below it with their error.
void print_rows(const std::vector<Row>& rows, const std::string& format);

}  // namespace hycim::cli::sim
