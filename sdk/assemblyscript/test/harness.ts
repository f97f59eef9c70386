// Test harness for the SDK's JSON type and envelope parsing (built by ../sdk.test.ts). It imports
// no host function: it also checks that a plugin imports only the host functions it uses.
//   asc harness.ts --outFile harness.wasm --use abort=harness/myAbort -O3

import { Json, JsonObjectReader, inputBytes, inputJson, outputJson, outputText, parseEnvelope, pluginAbort, readCommitEvent } from "../index";

function myAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  pluginAbort(message, fileName, line, column);
}

/** Parses the input and serializes it again; `INVALID` if it is not JSON. */
export function roundtrip(): i32 {
  const v = Json.parseBytes(inputBytes());
  outputText(v === null ? "INVALID" : v.stringify());
  return 0;
}

/** Parses the input as a host answer envelope: `{ok, code, message, value}`. */
export function envelope(): i32 {
  const r = parseEnvelope(inputBytes());
  const out = Json.newObject().set("ok", r.ok).set("code", r.code).set("message", r.message);
  const v = r.value;
  out.set<Json>("value", v === null ? Json.newNull() : v);
  outputJson(out);
  return 0;
}

/** Builds a value with the API and reads it back. */
export function build(): i32 {
  const o = Json.newObject()
    .set("a", 1)
    .set("b", "x\u0001\"y\" é ✓")
    .set("c", true)
    .set("d", -2.5)
    .set("e", ["p", "q"])
    .set<Json>("f", Json.newArray().push(1).push(Json.newNull()).push("s"))
    .set("g", <i64>9007199254740991)
    .setNull("h");
  o.set("a", 7); // replaces, keeps position
  o.delete("c");
  const lone = String.fromCharCode(0xd800);
  o.set("lone", "a" + lone + "b");
  const read = Json.newObject()
    .set("keys", o.keys())
    .set("b", o.getString("b"))
    .set("fLength", o.getArray("f")!.length)
    .set("missing", o.getString("nope", "fallback"))
    .set("hasC", o.has("c"))
    .set("a", o.getNumber("a"))
    .set("eStrings", o.getArray("e")!.strings());
  outputJson(Json.newObject().set<Json>("value", o).set<Json>("read", read));
  return 0;
}

/** The `JsonKind` of each item of the input array. */
export function kinds(): i32 {
  const v = inputJson();
  const out = Json.newArray();
  if (v !== null) {
    for (let i = 0; i < v.length; i++) out.push(<i32>v.at(i)!.kind);
  }
  outputJson(out);
  return 0;
}

/**
 * Reads `{"v": <input>}` twice: once reading past the value (skipValue, which builds nothing),
 * once keeping its text (rawValue) and parsing that. `INVALID` if either refuses it, else the
 * parsed value serialized: for every input, what Json.parseBytes would say of it.
 */
export function skipped(): i32 {
  const input = inputBytes();
  const text = new Uint8Array(input.length + 6);
  text.set(Uint8Array.wrap(String.UTF8.encode('{"v":')), 0);
  text.set(input, 5);
  text[5 + input.length] = 0x7d;
  const skipping = JsonObjectReader.ofBytes(text);
  skipping.nextKey();
  skipping.skipValue();
  skipping.nextKey();
  const keeping = JsonObjectReader.ofBytes(text);
  keeping.nextKey();
  const raw = keeping.rawValue();
  keeping.nextKey();
  let parsed: Json | null = null;
  if (raw !== null) parsed = Json.parseBytes(raw);
  if (skipping.failed || keeping.failed || parsed === null) outputText("INVALID");
  else outputText(parsed.stringify());
  return 0;
}

/** Reads a commit event (readCommitEvent) and answers what it read, `before` and `after` last. */
export function commit_event(): i32 {
  const event = readCommitEvent();
  const out = Json.newObject().set<Json>("commit", event.commit).set("subject", event.subject).set("signer", event.signer);
  const before = event.before;
  const after = event.after;
  out.set<Json>("before", before === null ? Json.newNull() : before).set<Json>("after", after === null ? Json.newNull() : after);
  outputJson(out);
  return 0;
}

/** Throws: the abort handler logs the message and traps. */
export function boom(): i32 {
  throw new Error("kaboom ✓");
}
