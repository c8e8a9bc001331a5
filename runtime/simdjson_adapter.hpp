// A valijson adapter over simdjson's DOM (simdjson::dom::element), modelled on valijson's own
// adapters (nlohmann_json_adapter.hpp): events parsed once by simdjson are validated in place,
// without a second parse.
//
// Number mapping: simdjson's INT64 is a JSON Schema integer; DOUBLE is a number; an unsigned value
// above INT64_MAX (simdjson's UINT64) is treated as a (non-integer-typed) number, because valijson
// reads integers as int64_t.
#pragma once

// valijson calls abort() on a bad schema or an unexpected value unless exceptions are enabled:
// every translation unit that includes valijson must see this definition first.
#ifndef VALIJSON_USE_EXCEPTIONS
#define VALIJSON_USE_EXCEPTIONS 1
#endif
#if !VALIJSON_USE_EXCEPTIONS
#error "clickstream needs VALIJSON_USE_EXCEPTIONS=1"
#endif

#include <simdjson.h>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/exceptions.hpp>
#include <valijson/internal/adapter.hpp>
#include <valijson/internal/basic_adapter.hpp>
#include <valijson/internal/frozen_value.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace valijson {
namespace adapters {

class SimdjsonAdapter;
class SimdjsonArrayValueIterator;
class SimdjsonObjectMemberIterator;

typedef std::pair<std::string, SimdjsonAdapter> SimdjsonObjectMember;

namespace simdjson_detail {

// An element for "{}" / "[]" that outlives every caller (used by default-constructed wrappers).
inline simdjson::dom::element empty_element(bool array) {
  struct holder {
    simdjson::dom::parser object_parser;
    simdjson::dom::parser array_parser;
    simdjson::dom::element object;
    simdjson::dom::element array;
    holder() {
      object = object_parser.parse(std::string_view("{}")).value_unsafe();
      array = array_parser.parse(std::string_view("[]")).value_unsafe();
    }
  };
  static const holder h;
  return array ? h.array : h.object;
}

}  // namespace simdjson_detail

/// Light weight wrapper for a simdjson DOM array.
class SimdjsonArray {
 public:
  typedef SimdjsonArrayValueIterator const_iterator;
  typedef SimdjsonArrayValueIterator iterator;

  SimdjsonArray() : m_value(simdjson_detail::empty_element(true).get_array().value_unsafe()) {}

  explicit SimdjsonArray(simdjson::dom::array value) : m_value(value) {}

  SimdjsonArrayValueIterator begin() const;
  SimdjsonArrayValueIterator end() const;

  size_t size() const { return m_value.size(); }

 private:
  simdjson::dom::array m_value;
};

/// Light weight wrapper for a simdjson DOM object.
class SimdjsonObject {
 public:
  typedef SimdjsonObjectMemberIterator const_iterator;
  typedef SimdjsonObjectMemberIterator iterator;

  SimdjsonObject() : m_value(simdjson_detail::empty_element(false).get_object().value_unsafe()) {}

  explicit SimdjsonObject(simdjson::dom::object value) : m_value(value) {}

  SimdjsonObjectMemberIterator begin() const;
  SimdjsonObjectMemberIterator end() const;

  /// Linear search, as simdjson's own at_key (objects in events have a handful of members).
  SimdjsonObjectMemberIterator find(std::string_view propertyName) const;
  SimdjsonObjectMemberIterator find(const std::string& propertyName) const;
  SimdjsonObjectMemberIterator find(const char* propertyName) const;

  size_t size() const { return m_value.size(); }

 private:
  simdjson::dom::object m_value;
};

/// An independent copy of a value: simdjson elements die with their parser, so a frozen value is
/// kept as an nlohmann::json copy (rare: valijson freezes schema values, not instance values).
class SimdjsonFrozenValue : public FrozenValue {
 public:
  explicit SimdjsonFrozenValue(nlohmann::json source) : m_value(std::move(source)) {}

  FrozenValue* clone() const override { return new SimdjsonFrozenValue(m_value); }

  bool equalTo(const Adapter& other, bool strict) const override {
    return NlohmannJsonAdapter(m_value).equalTo(other, strict);
  }

 private:
  nlohmann::json m_value;
};

/// Light weight wrapper for a simdjson DOM element: the value policy of BasicAdapter.
class SimdjsonValue {
 public:
  SimdjsonValue() : m_value(simdjson_detail::empty_element(false)) {}

  explicit SimdjsonValue(simdjson::dom::element value) : m_value(value) {}

  FrozenValue* freeze() const {
    return new SimdjsonFrozenValue(nlohmann::json::parse(simdjson::minify(m_value)));
  }

  opt::optional<SimdjsonArray> getArrayOptional() const {
    simdjson::dom::array a;
    if (m_value.get_array().get(a) == simdjson::SUCCESS) {
      return opt::make_optional(SimdjsonArray(a));
    }
    return {};
  }

  bool getArraySize(size_t& result) const {
    simdjson::dom::array a;
    if (m_value.get_array().get(a) == simdjson::SUCCESS) {
      result = a.size();
      return true;
    }
    return false;
  }

  bool getBool(bool& result) const { return m_value.get_bool().get(result) == simdjson::SUCCESS; }

  bool getDouble(double& result) const {
    switch (m_value.type()) {
      case simdjson::dom::element_type::DOUBLE:
        result = m_value.get_double().value_unsafe();
        return true;
      case simdjson::dom::element_type::UINT64:
        result = static_cast<double>(m_value.get_uint64().value_unsafe());
        return true;
      default:
        return false;
    }
  }

  bool getInteger(int64_t& result) const {
    if (m_value.type() == simdjson::dom::element_type::INT64) {
      result = m_value.get_int64().value_unsafe();
      return true;
    }
    return false;
  }

  opt::optional<SimdjsonObject> getObjectOptional() const {
    simdjson::dom::object o;
    if (m_value.get_object().get(o) == simdjson::SUCCESS) {
      return opt::make_optional(SimdjsonObject(o));
    }
    return {};
  }

  bool getObjectSize(size_t& result) const {
    simdjson::dom::object o;
    if (m_value.get_object().get(o) == simdjson::SUCCESS) {
      result = o.size();
      return true;
    }
    return false;
  }

  bool getString(std::string& result) const {
    std::string_view s;
    if (m_value.get_string().get(s) == simdjson::SUCCESS) {
      result.assign(s.data(), s.size());
      return true;
    }
    return false;
  }

  static bool hasStrictTypes() { return true; }

  bool isArray() const { return m_value.type() == simdjson::dom::element_type::ARRAY; }
  bool isBool() const { return m_value.type() == simdjson::dom::element_type::BOOL; }
  bool isDouble() const {
    const auto t = m_value.type();
    return t == simdjson::dom::element_type::DOUBLE || t == simdjson::dom::element_type::UINT64;
  }
  bool isInteger() const { return m_value.type() == simdjson::dom::element_type::INT64; }
  bool isNull() const { return m_value.type() == simdjson::dom::element_type::NULL_VALUE; }
  bool isNumber() const {
    const auto t = m_value.type();
    return t == simdjson::dom::element_type::INT64 || t == simdjson::dom::element_type::UINT64 ||
           t == simdjson::dom::element_type::DOUBLE;
  }
  bool isObject() const { return m_value.type() == simdjson::dom::element_type::OBJECT; }
  bool isString() const { return m_value.type() == simdjson::dom::element_type::STRING; }

 private:
  simdjson::dom::element m_value;
};

/// The valijson Adapter over a simdjson DOM element.
class SimdjsonAdapter : public BasicAdapter<SimdjsonAdapter, SimdjsonArray, SimdjsonObjectMember,
                                            SimdjsonObject, SimdjsonValue> {
 public:
  SimdjsonAdapter() : BasicAdapter() {}

  explicit SimdjsonAdapter(simdjson::dom::element value) : BasicAdapter(SimdjsonValue{value}) {}
};

/// Iterates the values of an array; dereferences as a SimdjsonAdapter. simdjson's iterator only
/// goes forward: operator-- (used by valijson's uniqueItems, once per array) restarts from begin.
class SimdjsonArrayValueIterator {
 public:
  using iterator_category = std::bidirectional_iterator_tag;
  using value_type = SimdjsonAdapter;
  using difference_type = std::ptrdiff_t;
  using pointer = SimdjsonAdapter*;
  using reference = SimdjsonAdapter&;

  SimdjsonArrayValueIterator(simdjson::dom::array array, simdjson::dom::array::iterator itr,
                             std::size_t index)
      : m_array(array), m_itr(itr), m_index(index) {}

  SimdjsonAdapter operator*() const { return SimdjsonAdapter(*m_itr); }

  DerefProxy<SimdjsonAdapter> operator->() const { return DerefProxy<SimdjsonAdapter>(**this); }

  bool operator==(const SimdjsonArrayValueIterator& other) const { return m_itr == other.m_itr; }
  bool operator!=(const SimdjsonArrayValueIterator& other) const { return m_itr != other.m_itr; }

  const SimdjsonArrayValueIterator& operator++() {
    ++m_itr;
    ++m_index;
    return *this;
  }

  SimdjsonArrayValueIterator operator++(int) {
    SimdjsonArrayValueIterator pre(*this);
    ++(*this);
    return pre;
  }

  const SimdjsonArrayValueIterator& operator--() {
    if (m_index == 0) return *this;
    --m_index;
    m_itr = m_array.begin();
    for (std::size_t i = 0; i < m_index; ++i) ++m_itr;
    return *this;
  }

  void advance(std::ptrdiff_t n) {
    for (; n > 0; --n) ++(*this);
    for (; n < 0; ++n) --(*this);
  }

 private:
  simdjson::dom::array m_array;
  simdjson::dom::array::iterator m_itr;
  std::size_t m_index;
};

/// Iterates the members of an object; dereferences as (key, SimdjsonAdapter).
class SimdjsonObjectMemberIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = SimdjsonObjectMember;
  using difference_type = std::ptrdiff_t;
  using pointer = SimdjsonObjectMember*;
  using reference = SimdjsonObjectMember&;

  explicit SimdjsonObjectMemberIterator(simdjson::dom::object::iterator itr) : m_itr(itr) {}

  SimdjsonObjectMember operator*() const {
    const std::string_view k = m_itr.key();
    return SimdjsonObjectMember(std::string(k.data(), k.size()), SimdjsonAdapter(m_itr.value()));
  }

  DerefProxy<SimdjsonObjectMember> operator->() const {
    return DerefProxy<SimdjsonObjectMember>(**this);
  }

  bool operator==(const SimdjsonObjectMemberIterator& other) const { return m_itr == other.m_itr; }
  bool operator!=(const SimdjsonObjectMemberIterator& other) const { return m_itr != other.m_itr; }

  const SimdjsonObjectMemberIterator& operator++() {
    ++m_itr;
    return *this;
  }

  SimdjsonObjectMemberIterator operator++(int) {
    SimdjsonObjectMemberIterator pre(m_itr);
    ++m_itr;
    return pre;
  }

 private:
  simdjson::dom::object::iterator m_itr;
};

template <>
struct AdapterTraits<valijson::adapters::SimdjsonAdapter> {
  typedef simdjson::dom::element DocumentType;

  static std::string adapterName() { return "SimdjsonAdapter"; }
};

inline SimdjsonArrayValueIterator SimdjsonArray::begin() const {
  return SimdjsonArrayValueIterator(m_value, m_value.begin(), 0);
}

inline SimdjsonArrayValueIterator SimdjsonArray::end() const {
  return SimdjsonArrayValueIterator(m_value, m_value.end(), m_value.size());
}

inline SimdjsonObjectMemberIterator SimdjsonObject::begin() const {
  return SimdjsonObjectMemberIterator(m_value.begin());
}

inline SimdjsonObjectMemberIterator SimdjsonObject::end() const {
  return SimdjsonObjectMemberIterator(m_value.end());
}

inline SimdjsonObjectMemberIterator SimdjsonObject::find(std::string_view propertyName) const {
  auto it = m_value.begin();
  const auto end = m_value.end();
  for (; it != end; ++it) {
    if (it.key_equals(propertyName)) break;
  }
  return SimdjsonObjectMemberIterator(it);
}

inline SimdjsonObjectMemberIterator SimdjsonObject::find(const std::string& propertyName) const {
  return find(std::string_view(propertyName));
}

inline SimdjsonObjectMemberIterator SimdjsonObject::find(const char* propertyName) const {
  return find(std::string_view(propertyName));
}

}  // namespace adapters
}  // namespace valijson
