package io.fmselect.models;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the value a bundled JavaScript module exports, as nsfwjs ships its TensorFlow.js models: a
 * browserify bundle whose one module sets {@code X.exports = <literal>}, the literal minified JavaScript
 * (unquoted keys, {@code !0}/{@code !1} for true/false, numbers like {@code .5} or {@code 1e-7}). Objects
 * become {@code Map<String, Object>} (in source order), arrays {@code List<Object>}, numbers
 * {@code Double}, strings, booleans and {@code null}. Nothing of the module is executed.
 */
final class JsLiteral {
  private static final Pattern EXPORTS = Pattern.compile("\\{1:\\[function\\([^)]*\\)\\{[A-Za-z_$][\\w$]*\\.exports=");

  private final String s;
  private int i;

  private JsLiteral(String s, int start) {
    this.s = s;
    this.i = start;
  }

  /** The literal module 1 of a browserify bundle exports; IllegalArgumentException if there is none. */
  static Object exported(String source) {
    Matcher m = EXPORTS.matcher(source);
    if (!m.find()) {
      throw new IllegalArgumentException("not a bundled module that exports a literal ('{1:[function(..){X.exports=' not found)");
    }
    return new JsLiteral(source, m.end()).value();
  }

  /** Parses one literal. */
  static Object parse(String literal) {
    JsLiteral p = new JsLiteral(literal, 0);
    Object v = p.value();
    p.skipSpace();
    if (p.i != literal.length()) {
      throw p.error("trailing characters");
    }
    return v;
  }

  private IllegalArgumentException error(String what) {
    String near = s.substring(i, Math.min(s.length(), i + 40));
    return new IllegalArgumentException(what + " at character " + i + " (near '" + near + "')");
  }

  private void skipSpace() {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
  }

  private Object value() {
    skipSpace();
    if (i >= s.length()) {
      throw error("unexpected end");
    }
    char c = s.charAt(i);
    switch (c) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
      case '\'':
        return string();
      case '!':
        if (s.startsWith("!0", i)) {
          i += 2;
          return Boolean.TRUE;
        }
        if (s.startsWith("!1", i)) {
          i += 2;
          return Boolean.FALSE;
        }
        throw error("unexpected '!'");
      default:
        break;
    }
    for (String word : new String[] {"null", "true", "false", "void 0"}) {
      if (s.startsWith(word, i) && (i + word.length() >= s.length() || !isIdentPart(s.charAt(i + word.length())))) {
        i += word.length();
        return switch (word) {
          case "true" -> Boolean.TRUE;
          case "false" -> Boolean.FALSE;
          default -> null;
        };
      }
    }
    if (c == '-' || c == '+' || c == '.' || Character.isDigit(c)) {
      return number();
    }
    throw error("unexpected character");
  }

  private Map<String, Object> object() {
    i++; // {
    Map<String, Object> m = new LinkedHashMap<>();
    skipSpace();
    if (peek('}')) {
      i++;
      return m;
    }
    while (true) {
      skipSpace();
      String key;
      char c = s.charAt(i);
      if (c == '"' || c == '\'') {
        key = string();
      } else if (Character.isDigit(c)) {
        key = numberText();
      } else {
        int start = i;
        while (i < s.length() && isIdentPart(s.charAt(i))) {
          i++;
        }
        if (start == i) {
          throw error("expected a key");
        }
        key = s.substring(start, i);
      }
      skipSpace();
      expect(':');
      m.put(key, value());
      skipSpace();
      if (peek(',')) {
        i++;
      } else {
        expect('}');
        return m;
      }
    }
  }

  private List<Object> array() {
    i++; // [
    List<Object> l = new ArrayList<>();
    skipSpace();
    if (peek(']')) {
      i++;
      return l;
    }
    while (true) {
      l.add(value());
      skipSpace();
      if (peek(',')) {
        i++;
      } else {
        expect(']');
        return l;
      }
    }
  }

  private String string() {
    char quote = s.charAt(i++);
    StringBuilder b = new StringBuilder();
    while (true) {
      if (i >= s.length()) {
        throw error("unterminated string");
      }
      char c = s.charAt(i++);
      if (c == quote) {
        return b.toString();
      }
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char e = s.charAt(i++);
      switch (e) {
        case 'n' -> b.append('\n');
        case 't' -> b.append('\t');
        case 'r' -> b.append('\r');
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'v' -> b.append('\u000b');
        case '0' -> b.append('\0');
        case 'u' -> {
          b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
          i += 4;
        }
        case 'x' -> {
          b.append((char) Integer.parseInt(s.substring(i, i + 2), 16));
          i += 2;
        }
        default -> b.append(e);
      }
    }
  }

  private Double number() {
    String t = numberText();
    try {
      return Double.valueOf(t);
    } catch (NumberFormatException e) {
      throw error("bad number '" + t + "'");
    }
  }

  private String numberText() {
    int start = i;
    if (peek('-') || peek('+')) {
      i++;
    }
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isDigit(c) || c == '.') {
        i++;
      } else if ((c == 'e' || c == 'E') && i + 1 < s.length()) {
        i++;
        if (peek('-') || peek('+')) {
          i++;
        }
      } else {
        break;
      }
    }
    return s.substring(start, i);
  }

  private boolean peek(char c) {
    return i < s.length() && s.charAt(i) == c;
  }

  private void expect(char c) {
    if (!peek(c)) {
      throw error("expected '" + c + "'");
    }
    i++;
  }

  private static boolean isIdentPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '$';
  }
}
