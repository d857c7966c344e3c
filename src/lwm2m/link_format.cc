#include "lwm2m/link_format.h"

namespace tml::lwm2m {
namespace {

bool IsParamNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '!' || c == '#' || c == '$' ||
         c == '&' || c == '+' || c == '-' || c == '.' || c == '^' || c == '_' || c == '`' || c == '|' || c == '~';
}

}  // namespace

Lwm2mResult<std::vector<Link>> ParseLinkFormat(std::string_view text) {
  std::vector<Link> links;
  size_t at = 0;
  auto fail = [&](const std::string& what) { return Lwm2mFail("link format: " + what + " at byte " + std::to_string(at)); };
  while (at < text.size()) {
    if (text[at] != '<') return fail("expected '<'");
    const size_t close = text.find('>', at);
    if (close == std::string_view::npos) return fail("no '>' for the '<'");
    Link link;
    link.target = std::string(text.substr(at + 1, close - at - 1));
    at = close + 1;
    while (at < text.size() && text[at] == ';') {
      ++at;
      const size_t name_start = at;
      while (at < text.size() && IsParamNameChar(text[at])) ++at;
      if (at == name_start) return fail("expected a parameter name");
      std::string name(text.substr(name_start, at - name_start));
      std::string value;
      if (at < text.size() && text[at] == '=') {
        ++at;
        if (at < text.size() && text[at] == '"') {
          ++at;
          for (;;) {
            if (at >= text.size()) return fail("unterminated quoted value");
            if (text[at] == '\\' && at + 1 < text.size()) {
              value += text[at + 1];
              at += 2;
            } else if (text[at] == '"') {
              ++at;
              break;
            } else {
              value += text[at++];
            }
          }
        } else {
          const size_t value_start = at;
          while (at < text.size() && text[at] != ';' && text[at] != ',') ++at;
          value = std::string(text.substr(value_start, at - value_start));
        }
      }
      link.params[name] = value;
    }
    links.push_back(std::move(link));
    if (at < text.size()) {
      if (text[at] != ',') return fail("expected ',' or ';'");
      ++at;
      while (at < text.size() && (text[at] == '\n' || text[at] == '\r' || text[at] == ' ')) ++at;
    }
  }
  return links;
}

std::string FormatLinks(const std::vector<Link>& links) {
  std::string out;
  for (const Link& link : links) {
    if (!out.empty()) out += ',';
    out += "<" + link.target + ">";
    for (const auto& [name, value] : link.params) {
      out += ";" + name;
      if (value.empty()) continue;
      bool plain = true;
      for (char c : value) plain = plain && (IsParamNameChar(c) || c == ':' || c == '/');
      if (plain) {
        out += "=" + value;
      } else {
        out += "=\"";
        for (char c : value) {
          if (c == '"' || c == '\\') out += '\\';
          out += c;
        }
        out += '"';
      }
    }
  }
  return out;
}

}  // namespace tml::lwm2m
