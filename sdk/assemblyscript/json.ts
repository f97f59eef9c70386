// A small JSON value type for AssemblyScript: parse and serialize objects, arrays, strings (all
// escapes, surrogate pairs, UTF-8 in and out), numbers, booleans and null. Parsing never traps:
// invalid text gives `null`. Objects keep their key order; a repeated key keeps its first position
// and its last value, as in JavaScript.

/** The type of a {@link Json} value. */
export enum JsonKind {
  Null = 0,
  Bool = 1,
  Number = 2,
  String = 3,
  Array = 4,
  Object = 5,
}

/** Objects with this many keys get a hash index; smaller ones are scanned. */
const INDEXED_KEYS = 12;

/** Nesting deeper than this is refused by the parser (it recurses). */
const MAX_DEPTH = 256;

/** A JSON value: null, boolean, number, string, array or object. */
export class Json {
  /** The type of this value. */
  readonly kind: JsonKind;
  private num: f64 = 0;
  private str: string = "";
  private items: Json[] | null = null;
  private keyList: string[] | null = null;
  // Built only once an object has INDEXED_KEYS keys: most objects are small, where scanning the
  // keys beats hashing, and allocating a Map per object dominated parsing.
  private index: Map<string, i32> | null = null;

  private constructor(kind: JsonKind) {
    this.kind = kind;
    if (kind == JsonKind.Array) {
      this.items = [];
    } else if (kind == JsonKind.Object) {
      this.items = [];
      this.keyList = [];
    }
  }

  // ---- constructors ----

  /** JSON `null`. */
  static newNull(): Json {
    return new Json(JsonKind.Null);
  }

  /** A boolean. */
  static newBool(b: bool): Json {
    const v = new Json(JsonKind.Bool);
    v.num = b ? 1 : 0;
    return v;
  }

  /** A number (NaN and infinities serialize as `null`, as in JavaScript). */
  static newNumber(n: f64): Json {
    const v = new Json(JsonKind.Number);
    v.num = n;
    return v;
  }

  /** A string. */
  static newString(s: string): Json {
    const v = new Json(JsonKind.String);
    v.str = s;
    return v;
  }

  /** An empty array. */
  static newArray(): Json {
    return new Json(JsonKind.Array);
  }

  /** An empty object. */
  static newObject(): Json {
    return new Json(JsonKind.Object);
  }

  /** An array of strings. */
  static fromStrings(list: string[]): Json {
    const v = Json.newArray();
    for (let i = 0; i < list.length; i++) v.push(Json.newString(list[i]));
    return v;
  }

  /** An object with one string value per key of `map`. */
  static fromStringMap(map: Map<string, string>): Json {
    const v = Json.newObject();
    const keys = map.keys();
    for (let i = 0; i < keys.length; i++) v.set(keys[i], Json.newString(map.get(keys[i])));
    return v;
  }

  /**
   * Any value: a `Json` as is, a string, a boolean, an integer or float, or a
   * `string[]`. A null reference becomes JSON `null`.
   */
  static from<T>(value: T): Json {
    if (isBoolean<T>()) return Json.newBool(<bool>value);
    if (isInteger<T>() || isFloat<T>()) return Json.newNumber(<f64>value);
    if (isNullable<T>()) {
      if (changetype<usize>(value) == 0) return Json.newNull();
    }
    if (value instanceof Json) return changetype<Json>(value);
    if (isString<T>()) return Json.newString(changetype<string>(value));
    if (value instanceof Array<string>) return Json.fromStrings(changetype<string[]>(value));
    ERROR("Json.from: unsupported type");
    return Json.newNull();
  }

  // ---- parsing ----

  /** Parses JSON text; `null` if it is not valid JSON. */
  static parse(text: string): Json | null {
    const utf8 = String.UTF8.encode(text);
    return Parser.run(utf8, changetype<usize>(utf8), <usize>utf8.byteLength);
  }

  /** Parses UTF-8 encoded JSON; `null` if it is not valid JSON. */
  static parseBytes(bytes: Uint8Array): Json | null {
    return Parser.run(bytes.buffer, bytes.dataStart, <usize>bytes.length);
  }

  // ---- type tests ----

  /** Whether this is `null`. */
  get isNull(): bool {
    return this.kind == JsonKind.Null;
  }
  /** Whether this is a boolean. */
  get isBool(): bool {
    return this.kind == JsonKind.Bool;
  }
  /** Whether this is a number. */
  get isNumber(): bool {
    return this.kind == JsonKind.Number;
  }
  /** Whether this is a string. */
  get isString(): bool {
    return this.kind == JsonKind.String;
  }
  /** Whether this is an array. */
  get isArray(): bool {
    return this.kind == JsonKind.Array;
  }
  /** Whether this is an object. */
  get isObject(): bool {
    return this.kind == JsonKind.Object;
  }

  // ---- scalar access (lenient: a value of another type gives the fallback) ----

  /** The boolean, or `fallback` if this is not a boolean. */
  asBool(fallback: bool = false): bool {
    return this.kind == JsonKind.Bool ? this.num != 0 : fallback;
  }

  /** The number, or `fallback` if this is not a number. */
  asNumber(fallback: f64 = 0): f64 {
    return this.kind == JsonKind.Number ? this.num : fallback;
  }

  /** The number truncated to an integer, or `fallback` if this is not a finite number. */
  asInt(fallback: i64 = 0): i64 {
    return this.kind == JsonKind.Number && isFinite(this.num) ? <i64>this.num : fallback;
  }

  /** The string, or `fallback` if this is not a string. */
  asString(fallback: string = ""): string {
    return this.kind == JsonKind.String ? this.str : fallback;
  }

  // ---- arrays and objects ----

  /** The number of items (array) or keys (object); 0 for anything else. */
  get length(): i32 {
    const items = this.items;
    return items === null ? 0 : items.length;
  }

  /** The array item at `i` (or the object value at position `i`); `null` if out of range. */
  at(i: i32): Json | null {
    const items = this.items;
    if (items === null || i < 0 || i >= items.length) return null;
    return items[i];
  }

  /** Appends to an array (ignored on anything else). Returns this array, for chaining. */
  push<T>(value: T): Json {
    const items = this.items;
    if (this.kind == JsonKind.Array && items !== null) items.push(Json.from<T>(value));
    return this;
  }

  /** The array's items as strings, skipping items that are not strings. */
  strings(): string[] {
    const out = new Array<string>();
    const items = this.items;
    if (this.kind != JsonKind.Array || items === null) return out;
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (it.kind == JsonKind.String) out.push(it.str);
    }
    return out;
  }

  /** The object's keys in order (empty for anything else). */
  keys(): string[] {
    const keys = this.keyList;
    return keys === null ? new Array<string>() : keys.slice(0);
  }

  /** Where `key` is among the object's keys; -1 if absent or this is not an object. */
  private position(key: string): i32 {
    const index = this.index;
    if (index !== null) return index.has(key) ? index.get(key) : -1;
    const keys = this.keyList;
    if (keys === null) return -1;
    for (let i = 0, n = keys.length; i < n; i++) {
      if (keys[i] == key) return i;
    }
    return -1;
  }

  /** Whether the object has `key`. */
  has(key: string): bool {
    return this.position(key) >= 0;
  }

  /** The object's value for `key`; `null` if absent or this is not an object. */
  get(key: string): Json | null {
    const at = this.position(key);
    return at < 0 ? null : this.items![at];
  }

  /** The string at `key`, or `fallback` if absent or not a string. */
  getString(key: string, fallback: string = ""): string {
    const v = this.get(key);
    return v === null ? fallback : v.asString(fallback);
  }

  /** The number at `key`, or `fallback` if absent or not a number. */
  getNumber(key: string, fallback: f64 = 0): f64 {
    const v = this.get(key);
    return v === null ? fallback : v.asNumber(fallback);
  }

  /** The boolean at `key`, or `fallback` if absent or not a boolean. */
  getBool(key: string, fallback: bool = false): bool {
    const v = this.get(key);
    return v === null ? fallback : v.asBool(fallback);
  }

  /** The object at `key`; `null` if absent or not an object. */
  getObject(key: string): Json | null {
    const v = this.get(key);
    return v !== null && v.kind == JsonKind.Object ? v : null;
  }

  /** The array at `key`; `null` if absent or not an array. */
  getArray(key: string): Json | null {
    const v = this.get(key);
    return v !== null && v.kind == JsonKind.Array ? v : null;
  }

  /**
   * Sets `key` on an object (ignored on anything else) to any value {@link Json.from} takes.
   * Returns this object, for chaining.
   */
  set<T>(key: string, value: T): Json {
    const items = this.items;
    const keys = this.keyList;
    if (items === null || keys === null) return this;
    const v = Json.from<T>(value);
    const at = this.position(key);
    if (at >= 0) {
      items[at] = v;
      return this;
    }
    items.push(v);
    keys.push(key);
    let index = this.index;
    if (index !== null) {
      index.set(key, keys.length - 1);
    } else if (keys.length >= INDEXED_KEYS) {
      index = new Map<string, i32>();
      for (let i = 0; i < keys.length; i++) index.set(keys[i], i);
      this.index = index;
    }
    return this;
  }

  /** Sets `key` on an object to JSON `null`. Returns this object. */
  setNull(key: string): Json {
    return this.set<Json>(key, Json.newNull());
  }

  /** Removes `key` from an object; whether it was there. */
  delete(key: string): bool {
    const at = this.position(key);
    if (at < 0) return false;
    const keys = this.keyList!;
    this.items!.splice(at, 1);
    keys.splice(at, 1);
    const index = this.index;
    if (index !== null) {
      index.delete(key);
      for (let i = at; i < keys.length; i++) index.set(keys[i], i);
    }
    return true;
  }

  // ---- serialization ----

  /** Compact JSON text. */
  stringify(): string {
    const out = new Array<string>();
    this.write(out);
    return out.join("");
  }

  /** Compact JSON text, UTF-8 encoded. */
  toBytes(): Uint8Array {
    return Uint8Array.wrap(String.UTF8.encode(this.stringify()));
  }

  /** Same as {@link stringify}. */
  toString(): string {
    return this.stringify();
  }

  private write(out: string[]): void {
    switch (this.kind) {
      case JsonKind.Null:
        out.push("null");
        break;
      case JsonKind.Bool:
        out.push(this.num != 0 ? "true" : "false");
        break;
      case JsonKind.Number:
        out.push(numberToJson(this.num));
        break;
      case JsonKind.String:
        writeString(out, this.str);
        break;
      case JsonKind.Array: {
        const items = this.items!;
        out.push("[");
        for (let i = 0; i < items.length; i++) {
          if (i > 0) out.push(",");
          items[i].write(out);
        }
        out.push("]");
        break;
      }
      case JsonKind.Object: {
        const items = this.items!;
        const keys = this.keyList!;
        out.push("{");
        for (let i = 0; i < items.length; i++) {
          if (i > 0) out.push(",");
          writeString(out, keys[i]);
          out.push(":");
          items[i].write(out);
        }
        out.push("}");
        break;
      }
    }
  }
}

/** `s` as a JSON string literal (quotes included). */
export function quoteJson(s: string): string {
  const out = new Array<string>();
  writeString(out, s);
  return out.join("");
}

/** Appends `s` as a JSON string literal (quotes included) to `out`, for output built by hand. */
export function pushJsonString(out: string[], s: string): void {
  writeString(out, s);
}

/** Below this, an integral double prints exactly as an i64 (faster than dtoa). */
const EXACT_INTEGER = 1e15;

function numberToJson(n: f64): string {
  if (!isFinite(n)) return "null";
  if (n == Math.floor(n) && Math.abs(n) < EXACT_INTEGER) return (<i64>n).toString();
  // AssemblyScript prints integral values with ".0" (and -0 as "0.0"); JSON.stringify does not.
  // Its dtoa (Grisu) always round-trips but is not always the shortest form: 0.1 + 0.2 prints
  // as 0.30000000000000007, which parses back to the same double.
  const s = n.toString();
  return s.endsWith(".0") ? s.substring(0, s.length - 2) : s;
}

const HEX = "0123456789abcdef";

function needsEscape(c: i32, s: string, i: i32): bool {
  if (c < 0x20 || c == 0x22 || c == 0x5c) return true;
  if (c < 0xd800 || c > 0xdfff) return false;
  // Surrogates: a well-formed pair passes through, a lone half is escaped as \uXXXX.
  if (c <= 0xdbff) {
    const next = s.charCodeAt(i + 1);
    return !(next >= 0xdc00 && next <= 0xdfff);
  }
  const prev = i > 0 ? s.charCodeAt(i - 1) : 0;
  return !(prev >= 0xd800 && prev <= 0xdbff);
}

function escapeChar(c: i32): string {
  switch (c) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return "\\\\";
    case 0x08:
      return "\\b";
    case 0x0c:
      return "\\f";
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
  }
  return (
    "\\u" +
    HEX.charAt((c >> 12) & 15) +
    HEX.charAt((c >> 8) & 15) +
    HEX.charAt((c >> 4) & 15) +
    HEX.charAt(c & 15)
  );
}

function writeString(out: string[], s: string): void {
  out.push('"');
  let start = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (needsEscape(c, s, i)) {
      if (i > start) out.push(s.substring(start, i));
      out.push(escapeChar(c));
      start = i + 1;
    }
  }
  if (start == 0) out.push(s);
  else if (start < n) out.push(s.substring(start, n));
  out.push('"');
}

function hexValue(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Reads a JSON object one member at a time without building a {@link Json} tree, for inputs read
 * on every call (handle_request): `nextKey()`, then one of the value readers, until `nextKey()`
 * gives `null`. `failed` tells whether the text was valid JSON up to there (and, once `nextKey()`
 * gave `null`, to its end). Values are read with the same rules as {@link Json.parseBytes}.
 */
export class JsonObjectReader {
  private started: bool = false;
  private ended: bool = false;
  /** True once the text turned out not to be a valid JSON object. */
  failed: bool = false;

  private constructor(private readonly parser: Parser) {}

  /** A reader of the UTF-8 JSON object in `bytes`; `failed` at once if it does not start with `{`. */
  static ofBytes(bytes: Uint8Array): JsonObjectReader {
    const reader = new JsonObjectReader(Parser.over(bytes.buffer, bytes.dataStart, <usize>bytes.length));
    reader.parser.ws();
    if (reader.parser.peek() != 0x7b) reader.fail();
    return reader;
  }

  /** The next member's key; `null` at the end of the object, or once `failed`. */
  nextKey(): string | null {
    if (this.failed || this.ended) return null;
    const p = this.parser;
    if (!this.started) {
      this.started = true;
      p.advance(); // {
      p.ws();
      if (p.peek() == 0x7d) return this.end();
    } else {
      p.ws();
      const c = p.peek();
      if (c == 0x7d) return this.end();
      if (c != 0x2c) return this.fail();
      p.advance();
      p.ws();
    }
    if (p.peek() != 0x22) return this.fail();
    const key = p.string();
    if (key === null || !p.colon()) return this.fail();
    return key;
  }

  /** The member's value if it is a string; any other value is read and `null` returned. */
  stringValue(): string | null {
    if (this.parser.peek() == 0x22) {
      const s = this.parser.string();
      if (s === null) this.fail();
      return s;
    }
    this.skipValue();
    return null;
  }

  /**
   * The member's value as a map of strings: an object's string members as they are, its other
   * members as JSON text. Anything but an object gives an empty map.
   */
  stringMapValue(): Map<string, string> {
    const out = new Map<string, string>();
    const p = this.parser;
    if (p.peek() != 0x7b) {
      this.skipValue();
      return out;
    }
    p.advance();
    p.ws();
    if (p.peek() == 0x7d) {
      p.advance();
      return out;
    }
    for (;;) {
      p.ws();
      if (p.peek() != 0x22) return this.failWith(out);
      const key = p.string();
      if (key === null || !p.colon()) return this.failWith(out);
      if (p.peek() == 0x22) {
        const value = p.string();
        if (value === null) return this.failWith(out);
        out.set(key, value);
      } else {
        const value = p.value(2);
        if (value === null) return this.failWith(out);
        out.set(key, value.stringify());
      }
      const more = p.separator(0x7d);
      if (more == 1) continue;
      return more == 0 ? out : this.failWith(out);
    }
  }

  /** The member's value as a {@link Json}; `null` (and `failed`) if it is not valid. */
  value(): Json | null {
    const v = this.parser.value(1);
    if (v === null) this.fail();
    return v;
  }

  /** Reads past the member's value. */
  skipValue(): void {
    if (!this.parser.skip(1)) this.fail();
  }

  /**
   * The member's value as its UTF-8 text (a view on the input, not a copy), for parsing later or
   * never; `null` (and `failed`) if it is not valid.
   */
  rawValue(): Uint8Array | null {
    const start = this.parser.at;
    if (!this.parser.skip(1)) {
      this.fail();
      return null;
    }
    return this.parser.since(start);
  }

  private end(): string | null {
    this.parser.advance(); // }
    this.parser.ws();
    this.ended = true;
    if (!this.parser.atEnd()) this.failed = true;
    return null;
  }

  private fail(): string | null {
    this.failed = true;
    return null;
  }

  private failWith(map: Map<string, string>): Map<string, string> {
    this.failed = true;
    return map;
  }
}

// Reads the UTF-8 bytes as they are, with unchecked loads against an end pointer: decoding the
// whole input to a string first and reading it with bounds-checked charCodeAt took about twice as
// long, and parsing is most of what a small hook does (before_commit reads a ~1.5 KB event).
class Parser {
  private constructor(
    // Held so that the bytes stay alive while they are read through raw pointers.
    private readonly source: ArrayBuffer,
    private pos: usize,
    private readonly end: usize,
  ) {}

  static over(source: ArrayBuffer, start: usize, length: usize): Parser {
    return new Parser(source, start, start + length);
  }

  static run(source: ArrayBuffer, start: usize, length: usize): Json | null {
    const p = new Parser(source, start, start + length);
    p.ws();
    const v = p.value(0);
    if (v === null) return null;
    p.ws();
    return p.pos == p.end ? v : null;
  }

  @inline peek(): i32 {
    return this.pos < this.end ? <i32>load<u8>(this.pos) : -1;
  }

  @inline advance(): void {
    this.pos++;
  }

  @inline atEnd(): bool {
    return this.pos == this.end;
  }

  ws(): void {
    const end = this.end;
    let pos = this.pos;
    while (pos < end) {
      const c = load<u8>(pos);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      pos++;
    }
    this.pos = pos;
  }

  /** Consumes `word` (ASCII) if it comes next. */
  literal(word: string): bool {
    const n = <usize>word.length;
    if (this.end - this.pos < n) return false;
    for (let i: usize = 0; i < n; i++) {
      if (<i32>load<u8>(this.pos + i) != word.charCodeAt(<i32>i)) return false;
    }
    this.pos += n;
    return true;
  }

  /** After a member's key: whitespace, the colon, whitespace; false without the colon. */
  colon(): bool {
    this.ws();
    if (this.peek() != 0x3a) return false;
    this.pos++;
    this.ws();
    return true;
  }

  /** After an item of an object or array: 1 at a comma (another item follows), 0 at `close`, -1 otherwise. */
  separator(close: i32): i32 {
    this.ws();
    const c = this.peek();
    this.pos++;
    return c == 0x2c ? 1 : c == close ? 0 : -1;
  }

  value(depth: i32): Json | null {
    if (depth > MAX_DEPTH) return null;
    const c = this.peek();
    if (c == 0x7b) return this.object(depth);
    if (c == 0x5b) return this.array(depth);
    if (c == 0x22) {
      const s = this.string();
      return s === null ? null : Json.newString(s);
    }
    if (c == 0x74) return this.literal("true") ? Json.newBool(true) : null;
    if (c == 0x66) return this.literal("false") ? Json.newBool(false) : null;
    if (c == 0x6e) return this.literal("null") ? Json.newNull() : null;
    if (c == 0x2d || isDigit(c)) return this.number();
    return null;
  }

  object(depth: i32): Json | null {
    this.pos++; // {
    const obj = Json.newObject();
    this.ws();
    if (this.peek() == 0x7d) {
      this.pos++;
      return obj;
    }
    for (;;) {
      this.ws();
      if (this.peek() != 0x22) return null;
      const key = this.string();
      if (key === null || !this.colon()) return null;
      const v = this.value(depth + 1);
      if (v === null) return null;
      obj.set<Json>(key, v);
      const more = this.separator(0x7d);
      if (more == 1) continue;
      return more == 0 ? obj : null;
    }
  }

  array(depth: i32): Json | null {
    this.pos++; // [
    const arr = Json.newArray();
    this.ws();
    if (this.peek() == 0x5d) {
      this.pos++;
      return arr;
    }
    for (;;) {
      this.ws();
      const v = this.value(depth + 1);
      if (v === null) return null;
      arr.push<Json>(v);
      const more = this.separator(0x5d);
      if (more == 1) continue;
      return more == 0 ? arr : null;
    }
  }

  /** Reads a string literal starting at the opening quote; null if malformed. */
  string(): string | null {
    const end = this.end;
    let pos = this.pos + 1; // after the opening quote
    let start = pos;
    let parts: string[] | null = null;
    while (pos < end) {
      const c = <i32>load<u8>(pos);
      if (c == 0x22) {
        // Escapes and quotes are ASCII, so every run between them is whole UTF-8.
        const tail = String.UTF8.decodeUnsafe(start, pos - start);
        this.pos = pos + 1;
        if (parts === null) return tail;
        parts.push(tail);
        return parts.join("");
      }
      if (c < 0x20) return null; // a raw control character
      if (c != 0x5c) {
        pos++;
        continue;
      }
      if (parts === null) parts = new Array<string>();
      parts.push(String.UTF8.decodeUnsafe(start, pos - start));
      const e = pos + 1 < end ? <i32>load<u8>(pos + 1) : -1;
      pos += 2;
      if (e == 0x22) parts.push('"');
      else if (e == 0x5c) parts.push("\\");
      else if (e == 0x2f) parts.push("/");
      else if (e == 0x62) parts.push("\b");
      else if (e == 0x66) parts.push("\f");
      else if (e == 0x6e) parts.push("\n");
      else if (e == 0x72) parts.push("\r");
      else if (e == 0x74) parts.push("\t");
      else if (e == 0x75) {
        if (end - pos < 4) return null;
        let code = 0;
        for (let k: usize = 0; k < 4; k++) {
          const h = hexValue(<i32>load<u8>(pos + k));
          if (h < 0) return null;
          code = (code << 4) | h;
        }
        pos += 4;
        // Code units are copied as they are: an escaped surrogate pair becomes that pair.
        parts.push(String.fromCharCode(code));
      } else return null;
      start = pos;
    }
    return null; // no closing quote
  }

  number(): Json | null {
    const start = this.pos;
    const integer = this.skipNumber();
    if (integer < 0) return null;
    const length = this.pos - start;
    // Integers of up to 15 digits (timestamps, counts) are exact as doubles: no string needed.
    if (integer == 1 && length <= 15) {
      const negative = load<u8>(start) == 0x2d;
      let n: f64 = 0;
      for (let at = negative ? start + 1 : start; at < this.pos; at++) n = n * 10 + <f64>(load<u8>(at) - 0x30);
      return Json.newNumber(negative ? -n : n);
    }
    return Json.newNumber(parseFloat(String.UTF8.decodeUnsafe(start, length)));
  }

  /** Reads a number's text: 1 for an integer, 0 for one with a fraction or exponent, -1 if malformed. */
  skipNumber(): i32 {
    if (this.peek() == 0x2d) this.pos++;
    const first = this.peek();
    if (first == 0x30) {
      this.pos++;
    } else if (isDigit(first)) {
      while (isDigit(this.peek())) this.pos++;
    } else return -1;
    let integer = 1;
    if (this.peek() == 0x2e) {
      integer = 0;
      this.pos++;
      if (!isDigit(this.peek())) return -1;
      while (isDigit(this.peek())) this.pos++;
    }
    const e = this.peek();
    if (e == 0x65 || e == 0x45) {
      integer = 0;
      this.pos++;
      const sign = this.peek();
      if (sign == 0x2b || sign == 0x2d) this.pos++;
      if (!isDigit(this.peek())) return -1;
      while (isDigit(this.peek())) this.pos++;
    }
    return integer;
  }

  /**
   * Reads past a value with the same rules as {@link value}, building nothing; false if it is
   * malformed. What a hook does not ask for (a resource's state before and after a commit) costs
   * a scan, not a tree.
   */
  skip(depth: i32): bool {
    if (depth > MAX_DEPTH) return false;
    const c = this.peek();
    if (c == 0x22) return this.skipString();
    if (c == 0x7b || c == 0x5b) {
      const close = c == 0x7b ? 0x7d : 0x5d;
      this.pos++;
      this.ws();
      if (this.peek() == close) {
        this.pos++;
        return true;
      }
      for (;;) {
        this.ws();
        if (close == 0x7d && (this.peek() != 0x22 || !this.skipString() || !this.colon())) return false;
        if (!this.skip(depth + 1)) return false;
        const more = this.separator(close);
        if (more != 1) return more == 0;
      }
    }
    if (c == 0x74) return this.literal("true");
    if (c == 0x66) return this.literal("false");
    if (c == 0x6e) return this.literal("null");
    if (c == 0x2d || isDigit(c)) return this.skipNumber() >= 0;
    return false;
  }

  /** Reads past a string literal starting at the opening quote; false if malformed. */
  skipString(): bool {
    const end = this.end;
    let pos = this.pos + 1;
    while (pos < end) {
      const c = <i32>load<u8>(pos);
      if (c == 0x22) {
        this.pos = pos + 1;
        return true;
      }
      if (c < 0x20) return false;
      if (c != 0x5c) {
        pos++;
        continue;
      }
      const e = pos + 1 < end ? <i32>load<u8>(pos + 1) : -1;
      pos += 2;
      if (e == 0x75) {
        if (end - pos < 4) return false;
        for (let k: usize = 0; k < 4; k++) if (hexValue(<i32>load<u8>(pos + k)) < 0) return false;
        pos += 4;
      } else if (e != 0x22 && e != 0x5c && e != 0x2f && e != 0x62 && e != 0x66 && e != 0x6e && e != 0x72 && e != 0x74) return false;
    }
    return false;
  }

  /** Where the parser is: a pointer into the bytes. */
  @inline get at(): usize {
    return this.pos;
  }

  /** The bytes read from `start` up to here, as a view on the source (not a copy). */
  since(start: usize): Uint8Array {
    return Uint8Array.wrap(this.source, <i32>(start - changetype<usize>(this.source)), <i32>(this.pos - start));
  }
}
