#include "runtime/byte_regex.hpp"

#include <algorithm>
#include <bitset>
#include <map>
#include <stdexcept>
#include <utility>

namespace clickstream {

namespace {

using byteset = std::bitset<256>;

struct unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- AST ----------------------------------------------------------------------------------------

struct node {
  enum kind_t { empty, bytes, concat, alt, repeat, bol, eol } kind = empty;
  byteset set;                 // bytes
  std::vector<node> children;  // concat, alt, repeat (one child)
  int min = 0, max = -1;       // repeat; max -1 = unbounded
};

byteset digit_set() {
  byteset s;
  for (int c = '0'; c <= '9'; ++c) s.set(static_cast<std::size_t>(c));
  return s;
}
byteset word_set() {
  byteset s = digit_set();
  for (int c = 'a'; c <= 'z'; ++c) s.set(static_cast<std::size_t>(c));
  for (int c = 'A'; c <= 'Z'; ++c) s.set(static_cast<std::size_t>(c));
  s.set('_');
  return s;
}
byteset space_set() {
  byteset s;
  for (const char c : {' ', '\t', '\n', '\v', '\f', '\r'}) s.set(static_cast<unsigned char>(c));
  return s;
}
byteset single(unsigned char c) {
  byteset s;
  s.set(c);
  return s;
}

bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class parser {
 public:
  explicit parser(std::string_view p) : p_(p) {}

  node parse() {
    node n = parse_alt();
    if (i_ != p_.size()) throw unsupported("unexpected ')'");
    return n;
  }

 private:
  std::string_view p_;
  std::size_t i_ = 0;
  int depth_ = 0;

  bool at_end() const { return i_ >= p_.size(); }
  char peek() const { return p_[i_]; }

  node parse_alt() {
    if (++depth_ > 100) throw unsupported("groups nested too deeply");
    node first = parse_concat();
    if (at_end() || peek() != '|') {
      --depth_;
      return first;
    }
    node a;
    a.kind = node::alt;
    a.children.push_back(std::move(first));
    while (!at_end() && peek() == '|') {
      ++i_;
      a.children.push_back(parse_concat());
    }
    --depth_;
    return a;
  }

  node parse_concat() {
    node c;
    c.kind = node::concat;
    while (!at_end() && peek() != '|' && peek() != ')') c.children.push_back(parse_quantified());
    return c;
  }

  bool parse_int(int& out) {
    const std::size_t start = i_;
    long v = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      v = v * 10 + (peek() - '0');
      if (v > 1000) throw unsupported("repetition count too large");
      ++i_;
    }
    out = static_cast<int>(v);
    return i_ > start;
  }

  node parse_quantified() {
    node atom = parse_atom();
    if (at_end()) return atom;
    int min = 0, max = 0;
    const char c = peek();
    if (c == '*') {
      min = 0, max = -1, ++i_;
    } else if (c == '+') {
      min = 1, max = -1, ++i_;
    } else if (c == '?') {
      min = 0, max = 1, ++i_;
    } else if (c == '{') {
      ++i_;
      if (!parse_int(min)) throw unsupported("'{' is not a repetition");
      if (!at_end() && peek() == ',') {
        ++i_;
        if (!parse_int(max)) max = -1;
      } else {
        max = min;
      }
      if (at_end() || peek() != '}') throw unsupported("unterminated repetition");
      ++i_;
      if (max != -1 && max < min) throw unsupported("bad repetition range");
    } else {
      return atom;
    }
    if (atom.kind == node::bol || atom.kind == node::eol) throw unsupported("quantified anchor");
    if (!at_end() && peek() == '?') ++i_;  // lazy: same language
    if (!at_end() && (peek() == '*' || peek() == '+' || peek() == '?' || peek() == '{')) {
      throw unsupported("repeated quantifier");
    }
    node r;
    r.kind = node::repeat;
    r.min = min;
    r.max = max;
    r.children.push_back(std::move(atom));
    return r;
  }

  node bytes_node(const byteset& s) {
    node n;
    n.kind = node::bytes;
    n.set = s;
    return n;
  }

  node parse_atom() {
    const char c = peek();
    switch (c) {
      case '(': {
        ++i_;
        if (!at_end() && peek() == '?') {
          if (i_ + 1 < p_.size() && p_[i_ + 1] == ':') {
            i_ += 2;
          } else {
            throw unsupported("look-around or group flag");
          }
        }
        node inner = parse_alt();
        if (at_end() || peek() != ')') throw unsupported("unterminated group");
        ++i_;
        return inner;
      }
      case '[':
        return bytes_node(parse_class());
      case '.': {
        ++i_;
        byteset s;
        s.set();
        s.reset('\n');
        s.reset('\r');
        return bytes_node(s);
      }
      case '^': {
        ++i_;
        node n;
        n.kind = node::bol;
        return n;
      }
      case '$': {
        ++i_;
        node n;
        n.kind = node::eol;
        return n;
      }
      case '\\':
        ++i_;
        return bytes_node(parse_escape(false));
      case '*':
      case '+':
      case '?':
      case '{':
      case '}':
      case ']':
      case ')':
        throw unsupported(std::string("unexpected '") + c + "'");
      default:
        ++i_;
        return bytes_node(single(static_cast<unsigned char>(c)));
    }
  }

  // After a backslash. In a class, \b is a backspace; outside, a word boundary (unsupported).
  byteset parse_escape(bool in_class) {
    if (at_end()) throw unsupported("trailing backslash");
    const char c = p_[i_++];
    switch (c) {
      case 'd':
        return digit_set();
      case 'D':
        return ~digit_set();
      case 'w':
        return word_set();
      case 'W':
        return ~word_set();
      case 's':
        return space_set();
      case 'S':
        return ~space_set();
      case 'n':
        return single('\n');
      case 't':
        return single('\t');
      case 'r':
        return single('\r');
      case 'f':
        return single('\f');
      case 'v':
        return single('\v');
      case 'b':
        if (in_class) return single('\b');
        throw unsupported("word boundary");
      case '0':
        if (!at_end() && peek() >= '0' && peek() <= '9') throw unsupported("octal escape");
        return single('\0');
      case 'x': {
        if (i_ + 2 > p_.size()) throw unsupported("short \\x escape");
        const int h = hex_value(p_[i_]), l = hex_value(p_[i_ + 1]);
        if (h < 0 || l < 0) throw unsupported("bad \\x escape");
        i_ += 2;
        return single(static_cast<unsigned char>(h * 16 + l));
      }
      default:
        if (is_alnum(c) || static_cast<unsigned char>(c) >= 0x80) {
          throw unsupported(std::string("escape \\") + c);
        }
        return single(static_cast<unsigned char>(c));  // escaped punctuation
    }
  }

  byteset parse_class() {
    ++i_;  // '['
    bool negate = false;
    if (!at_end() && peek() == '^') {
      negate = true;
      ++i_;
    }
    if (!at_end() && peek() == ']') throw unsupported("empty class");
    byteset s;
    bool first = true;
    while (true) {
      if (at_end()) throw unsupported("unterminated class");
      if (peek() == ']') {
        ++i_;
        break;
      }
      // one class atom: a single byte (lo) or a set
      auto read_atom = [&](byteset& set, int& byte) {
        byte = -1;
        if (peek() == '[' && i_ + 1 < p_.size() &&
            (p_[i_ + 1] == ':' || p_[i_ + 1] == '.' || p_[i_ + 1] == '=')) {
          throw unsupported("POSIX class");
        }
        if (peek() == '\\') {
          ++i_;
          const std::size_t at = i_;
          set = parse_escape(true);
          const char e = p_[at];
          if (!(e == 'd' || e == 'D' || e == 'w' || e == 'W' || e == 's' || e == 'S')) {
            byte = static_cast<int>(set._Find_first());
          }
        } else {
          byte = static_cast<unsigned char>(peek());
          ++i_;
          set = single(static_cast<unsigned char>(byte));
        }
      };
      byteset a;
      int lo;
      read_atom(a, lo);
      if (!at_end() && peek() == '-' && i_ + 1 < p_.size() && p_[i_ + 1] != ']') {
        ++i_;  // '-'
        byteset b;
        int hi;
        read_atom(b, hi);
        if (lo < 0 || hi < 0) throw unsupported("class in a range");
        if (lo > hi) throw unsupported("reversed range");
        if (lo >= 0x80 || hi >= 0x80) throw unsupported("range over non-ASCII bytes");
        for (int x = lo; x <= hi; ++x) s.set(static_cast<std::size_t>(x));
      } else {
        s |= a;
      }
      first = false;
    }
    (void)first;
    return negate ? ~s : s;
  }
};

// ---- NFA (Thompson) -------------------------------------------------------------------------

struct nfa_state {
  enum kind_t { byte, split, eps, bol, eol, match } kind;
  int set = -1;  // index into sets (byte)
  int out = -1, out2 = -1;
};

constexpr std::size_t max_nfa_states = 20000;
constexpr std::size_t max_dfa_states = 4096;

class nfa_builder {
 public:
  std::vector<nfa_state> states;
  std::vector<byteset> sets;

  // Returns (start, list of dangling out slots) as a fragment.
  struct frag {
    int start;
    std::vector<std::pair<int, int>> outs;  // (state, which: 0 = out, 1 = out2)
  };

  int add(nfa_state s) {
    if (states.size() >= max_nfa_states) throw unsupported("pattern too large");
    states.push_back(s);
    return static_cast<int>(states.size() - 1);
  }

  void patch(const frag& f, int target) {
    for (const auto& [s, which] : f.outs) {
      if (which == 0) {
        states[static_cast<std::size_t>(s)].out = target;
      } else {
        states[static_cast<std::size_t>(s)].out2 = target;
      }
    }
  }

  frag build(const node& n) {
    switch (n.kind) {
      case node::empty: {
        const int s = add({nfa_state::eps});
        return {s, {{s, 0}}};
      }
      case node::bytes: {
        sets.push_back(n.set);
        const int s = add({nfa_state::byte, static_cast<int>(sets.size() - 1)});
        return {s, {{s, 0}}};
      }
      case node::bol: {
        const int s = add({nfa_state::bol});
        return {s, {{s, 0}}};
      }
      case node::eol: {
        const int s = add({nfa_state::eol});
        return {s, {{s, 0}}};
      }
      case node::concat: {
        if (n.children.empty()) return build(node{});
        frag f = build(n.children[0]);
        for (std::size_t i = 1; i < n.children.size(); ++i) {
          frag g = build(n.children[i]);
          patch(f, g.start);
          f.outs = std::move(g.outs);
        }
        return f;
      }
      case node::alt: {
        frag f = build(n.children[0]);
        for (std::size_t i = 1; i < n.children.size(); ++i) {
          frag g = build(n.children[i]);
          const int s = add({nfa_state::split, -1, f.start, g.start});
          f.start = s;
          f.outs.insert(f.outs.end(), g.outs.begin(), g.outs.end());
        }
        return f;
      }
      case node::repeat: {
        const node& child = n.children[0];
        // min mandatory copies
        frag f = build(node{});
        for (int i = 0; i < n.min; ++i) {
          frag g = build(child);
          patch(f, g.start);
          f.outs = std::move(g.outs);
        }
        if (n.max == -1) {
          // star: split -> child -> back to split; split's other branch exits
          frag g = build(child);
          const int s = add({nfa_state::split, -1, g.start, -1});
          patch(g, s);
          patch(f, s);
          f.outs = {{s, 1}};
        } else {
          std::vector<std::pair<int, int>> exits;
          for (int i = n.min; i < n.max; ++i) {
            frag g = build(child);
            const int s = add({nfa_state::split, -1, g.start, -1});
            patch(f, s);
            exits.push_back({s, 1});
            f.outs = std::move(g.outs);
          }
          f.outs.insert(f.outs.end(), exits.begin(), exits.end());
        }
        return f;
      }
    }
    throw unsupported("internal: unknown node");
  }
};

}  // namespace

std::shared_ptr<const byte_regex> byte_regex::compile(std::string_view pattern,
                                                      std::string* why_not) {
  try {
    parser p(pattern);
    const node ast = p.parse();
    nfa_builder b;
    nfa_builder::frag f = b.build(ast);
    const int match = b.add({nfa_state::match});
    b.patch(f, match);
    const int start = f.start;
    const auto& st = b.states;

    // Epsilon closure. `at_start`: '^' passable; `at_end`: '$' passable.
    std::vector<int> stack;
    std::vector<char> seen(st.size());
    auto closure = [&](const std::vector<int>& from, bool at_start, bool at_end) {
      std::fill(seen.begin(), seen.end(), 0);
      std::vector<int> out;
      stack.assign(from.begin(), from.end());
      while (!stack.empty()) {
        const int s = stack.back();
        stack.pop_back();
        if (s < 0 || seen[static_cast<std::size_t>(s)]) continue;
        seen[static_cast<std::size_t>(s)] = 1;
        const nfa_state& x = st[static_cast<std::size_t>(s)];
        switch (x.kind) {
          case nfa_state::byte:
          case nfa_state::match:
            out.push_back(s);
            break;
          case nfa_state::eol:
            if (at_end) {
              stack.push_back(x.out);
            } else {
              out.push_back(s);  // resolved when the input ends
            }
            break;
          case nfa_state::bol:
            if (at_start) stack.push_back(x.out);
            break;
          case nfa_state::split:
            stack.push_back(x.out2);
            stack.push_back(x.out);
            break;
          case nfa_state::eps:
            stack.push_back(x.out);
            break;
        }
      }
      std::sort(out.begin(), out.end());
      return out;
    };

    auto out = std::make_shared<byte_regex>();
    out->pattern_.assign(pattern.data(), pattern.size());
    std::map<std::pair<std::vector<int>, bool>, std::uint32_t> ids;
    std::vector<std::pair<std::vector<int>, bool>> todo;  // index = DFA state
    const std::vector<int> restart = closure({start}, false, false);

    auto intern = [&](std::vector<int> set, bool initial) -> std::uint32_t {
      auto key = std::make_pair(std::move(set), initial);
      auto it = ids.find(key);
      if (it != ids.end()) return it->second;
      if (todo.size() >= max_dfa_states) throw unsupported("automaton too large");
      const auto id = static_cast<std::uint32_t>(todo.size());
      ids.emplace(key, id);
      // flags
      std::uint8_t flags = 0;
      const auto& members = key.first;
      if (std::binary_search(members.begin(), members.end(), match)) flags |= match_now;
      if (members.empty()) flags |= dead;
      std::vector<int> eols;
      for (const int m : members) {
        if (st[static_cast<std::size_t>(m)].kind == nfa_state::eol) eols.push_back(m);
      }
      if (!eols.empty()) {
        const auto end_set = closure(eols, initial, true);
        if (std::binary_search(end_set.begin(), end_set.end(), match)) flags |= match_at_end;
      }
      out->flags_.push_back(flags);
      todo.push_back(std::move(key));
      return id;
    };

    intern(closure({start}, true, false), true);
    for (std::size_t d = 0; d < todo.size(); ++d) {
      out->table_.resize((d + 1) * 256);
      const std::vector<int> members = todo[d].first;  // copy: todo may grow
      const bool is_dead = (out->flags_[d] & (dead | match_now)) != 0;
      for (int c = 0; c < 256; ++c) {
        std::uint32_t next;
        if (is_dead) {
          next = static_cast<std::uint32_t>(d);  // never left: search() returns first
        } else {
          std::vector<int> moved = restart;
          for (const int m : members) {
            const nfa_state& x = st[static_cast<std::size_t>(m)];
            if (x.kind == nfa_state::byte &&
                b.sets[static_cast<std::size_t>(x.set)].test(static_cast<std::size_t>(c))) {
              moved.push_back(x.out);
            }
          }
          next = intern(closure(moved, false, false), false);
        }
        out->table_[d * 256 + static_cast<std::size_t>(c)] = next;
      }
    }
    return out;
  } catch (const unsupported& e) {
    if (why_not) *why_not = e.what();
    return nullptr;
  }
}

}  // namespace clickstream
