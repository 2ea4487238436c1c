// libFuzzer target: the HDF5 results reader (read_results), structure-aware.
// The input is a list of edits that libhdf5 applies to a valid results file
// (written by ResultsWriter in LLVMFuzzerInitialize): attributes and datasets
// deleted or rewritten with another type, shape or value, groups added, links
// moved, doubled, made soft or dangling; the file is then read with
// allow_incomplete. The files stay well-formed HDF5, so the fuzzer explores
// what neurocma's reader checks (types, shapes, names, labels, duplicates)
// instead of libhdf5's parser, which fuzz_results_h5_raw covers.
//
// Each edit: op, object (an index into the template's objects), name (an
// index into the names the reader knows, or 255 then a string), then the op's
// operands; a byte stream that ends early ends the list.
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "neurocma/core/error.hpp"
#include "neurocma/io/results.hpp"

namespace {

using namespace neurocma;

// Reads operands from the input; zeros once it is used up.
class Stream {
 public:
  Stream(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}
  bool done() const { return m_pos >= m_size; }
  std::uint8_t u8() { return m_pos < m_size ? m_data[m_pos++] : 0; }
  void bytes(void* out, std::size_t n) {
    auto* o = static_cast<std::uint8_t*>(out);
    for (std::size_t i = 0; i < n; ++i) o[i] = u8();
  }
  std::string str() {
    std::string s(u8() % 40, '\0');
    bytes(s.data(), s.size());
    return s;
  }

 private:
  const std::uint8_t* m_data;
  std::size_t m_size;
  std::size_t m_pos = 0;
};

struct Template {
  std::vector<char> bytes;
  std::vector<std::string> objects;  // "/", "/runs", ... every group and dataset
  std::vector<std::string> names;    // attribute and link names the reader looks for
};
Template g_template;

std::vector<char> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

RunRecord record(const std::string& opt, const std::string& type, int run) {
  RunRecord r;
  r.optimizer = opt;
  r.optimizer_type = type;
  r.hyperparams = "{\"lr\":0.1}";
  r.seed = 7;
  r.run_index = run;
  r.dataset = "iris";
  r.model_shape = "4-3-3";
  r.config_json = "{}";
  r.version = "fuzz";
  for (int e = 0; e < 2; ++e) {
    EpochRecord rec;
    rec.val_loss = 1.0 / (e + 1);
    r.result.history.push_back(rec);
  }
  r.result.best_epoch = 2;
  return r;
}

// A datatype from a code; `n` is the fixed string size.
hid_t make_type(std::uint8_t code, std::size_t n) {
  switch (code % 9) {
    case 0:
      return H5Tcopy(H5T_STD_I32LE);
    case 1:
      return H5Tcopy(H5T_STD_U64LE);
    case 2:
      return H5Tcopy(H5T_STD_I64LE);
    case 3:
      return H5Tcopy(H5T_IEEE_F64LE);
    case 4:
      return H5Tcopy(H5T_STD_I8LE);
    case 5:
      return H5Tcopy(H5T_IEEE_F32BE);
    case 6: {
      const hid_t t = H5Tcopy(H5T_C_S1);
      H5Tset_size(t, H5T_VARIABLE);
      H5Tset_cset(t, code & 16 ? H5T_CSET_UTF8 : H5T_CSET_ASCII);
      return t;
    }
    case 7: {
      const hid_t t = H5Tcopy(H5T_C_S1);
      H5Tset_size(t, n == 0 ? 1 : n);
      H5Tset_strpad(t, code & 16 ? H5T_STR_NULLPAD : H5T_STR_SPACEPAD);
      return t;
    }
    default: {
      const hsize_t dims[1] = {2};
      return H5Tarray_create2(H5T_STD_I32LE, 1, dims);
    }
  }
}

// A dataspace from a code: scalar, null, 1-d or 2-d of small sizes.
hid_t make_space(Stream& in) {
  const std::uint8_t code = in.u8();
  hsize_t dims[2] = {static_cast<hsize_t>(in.u8() % 8), static_cast<hsize_t>(1 + code / 64)};
  switch (code % 4) {
    case 0:
      return H5Screate(H5S_SCALAR);
    case 1:
      return H5Screate(H5S_NULL);
    case 2:
      return H5Screate_simple(1, dims, nullptr);
    default:
      return H5Screate_simple(2, dims, nullptr);
  }
}

// The data to write for `count` elements of `type`, from the input. Variable
// strings point into `strings`.
std::vector<char> make_data(Stream& in, hid_t type, hssize_t count,
                            std::vector<std::string>& strings) {
  const bool vlen = H5Tis_variable_str(type) > 0;
  const std::size_t size = vlen ? sizeof(char*) : H5Tget_size(type);
  std::vector<char> data(size * static_cast<std::size_t>(count < 0 ? 0 : count));
  if (!vlen) {
    in.bytes(data.data(), data.size());
    return data;
  }
  strings.resize(static_cast<std::size_t>(count));
  for (hssize_t i = 0; i < count; ++i) {
    strings[static_cast<std::size_t>(i)] = in.str();
    const char* p = strings[static_cast<std::size_t>(i)].c_str();
    std::memcpy(data.data() + i * sizeof(char*), &p, sizeof p);
  }
  return data;
}

// Applies the edits of `in` to the open file.
void edit(hid_t file, Stream& in) {
  const Template& t = g_template;
  for (int step = 0; step < 64 && !in.done(); ++step) {
    const std::uint8_t op = in.u8();
    const std::string& obj = t.objects[in.u8() % t.objects.size()];
    const std::uint8_t pick = in.u8();
    const std::string name = pick == 255 ? in.str() : t.names[pick % t.names.size()];
    switch (op % 8) {
      case 0: {  // delete an attribute
        H5Adelete_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT);
        break;
      }
      case 1:    // (re)write an attribute
      case 2: {  // (re)write a dataset
        const std::uint8_t tcode = in.u8();
        const hid_t type = make_type(tcode, in.u8() % 16);
        const hid_t space = make_space(in);
        std::vector<std::string> strings;
        const std::vector<char> data =
            make_data(in, type, H5Sget_simple_extent_npoints(space), strings);
        if (op % 8 == 1) {
          H5Adelete_by_name(file, obj.c_str(), name.c_str(), H5P_DEFAULT);
          const hid_t a = H5Acreate_by_name(file, obj.c_str(), name.c_str(), type, space,
                                            H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
          if (a >= 0) {
            if (!data.empty()) H5Awrite(a, type, data.data());
            H5Aclose(a);
          }
        } else {
          const hid_t g = H5Gopen2(file, obj.c_str(), H5P_DEFAULT);
          if (g >= 0) {
            H5Ldelete(g, name.c_str(), H5P_DEFAULT);
            const hid_t d =
                H5Dcreate2(g, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (d >= 0) {
              if (!data.empty()) H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
              H5Dclose(d);
            }
            H5Gclose(g);
          }
        }
        H5Sclose(space);
        H5Tclose(type);
        break;
      }
      case 3: {  // delete a link (dataset or group)
        const hid_t g = H5Gopen2(file, obj.c_str(), H5P_DEFAULT);
        if (g >= 0) {
          H5Ldelete(g, name.c_str(), H5P_DEFAULT);
          H5Gclose(g);
        }
        break;
      }
      case 4: {  // add a group
        const hid_t g = H5Gopen2(file, obj.c_str(), H5P_DEFAULT);
        if (g >= 0) {
          const hid_t n = H5Gcreate2(g, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
          if (n >= 0) H5Gclose(n);
          H5Gclose(g);
        }
        break;
      }
      case 5:    // move an object into a group, under a name
      case 6: {  // the same object under a second name (hard link)
        const std::string& dst = t.objects[in.u8() % t.objects.size()];
        if (op % 8 == 5) {
          H5Lmove(file, obj.c_str(), file, (dst + "/" + name).c_str(), H5P_DEFAULT, H5P_DEFAULT);
        } else {
          H5Lcreate_hard(file, obj.c_str(), file, (dst + "/" + name).c_str(), H5P_DEFAULT,
                         H5P_DEFAULT);
        }
        break;
      }
      default: {  // a soft link, to an object or to nothing
        const std::string target = in.u8() & 1 ? t.objects[in.u8() % t.objects.size()] : in.str();
        const hid_t g = H5Gopen2(file, obj.c_str(), H5P_DEFAULT);
        if (g >= 0) {
          H5Ldelete(g, name.c_str(), H5P_DEFAULT);
          H5Lcreate_soft(target.c_str(), g, name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
          H5Gclose(g);
        }
        break;
      }
    }
  }
}

std::string path() {
  return fuzz::temp_dir() + "/results.h5";
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Template& t = g_template;
  {
    ResultsWriter w(path());
    w.add(record("sgd", "sgd", 0));
    w.add(record("sgd", "sgd", 1));
    w.add(record("cmaes", "cmaes", 0));
    w.commit();
  }
  t.bytes = read_all(path());
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // edits that fail are skipped, quietly
  const hid_t f = H5Fopen(path().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  NEUROCMA_FUZZ_CHECK(f >= 0);
  t.objects = {"/"};
  // (A generic lambda: the link-info type differs between HDF5 1.10 and 1.12.)
  H5Lvisit(
      f, H5_INDEX_NAME, H5_ITER_INC,
      [](hid_t, const char* name, const auto*, void* out) -> herr_t {
        static_cast<std::vector<std::string>*>(out)->push_back("/" + std::string(name));
        return 0;
      },
      &t.objects);
  H5Fclose(f);
  NEUROCMA_FUZZ_CHECK(!t.objects.empty());
  t.names = {
      "format",      "schema_version", "complete",        "version",    "created",   "runs",
      "optimizer",   "optimizer_type", "hyperparameters", "seed",       "run_index", "dataset",
      "model_shape", "config",         "stop_reason",     "best_epoch", "history",   "final",
      "sgd",         "cmaes",          "run_000",         "run_001",    "run_002",   "run_-01",
      "run_1000"};
  for (const MetricInfo& m : run_metrics()) t.names.push_back(m.name);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Template& t = g_template;
  fuzz::write_bytes(path(), reinterpret_cast<const std::uint8_t*>(t.bytes.data()), t.bytes.size());
  const hid_t f = H5Fopen(path().c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  NEUROCMA_FUZZ_CHECK(f >= 0);
  Stream in(data, size);
  edit(f, in);
  NEUROCMA_FUZZ_CHECK(H5Fclose(f) >= 0);
  try {
    const std::vector<RunRecord> runs = read_results(path(), true);
    for (const RunRecord& r : runs) {
      NEUROCMA_FUZZ_CHECK(!r.optimizer.empty());
      NEUROCMA_FUZZ_CHECK(r.result.history.size() <= 8);
    }
  } catch (const ConfigError&) {
  } catch (const RuntimeError&) {
  }
  return 0;
}
