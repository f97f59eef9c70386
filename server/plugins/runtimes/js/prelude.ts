// The Extism JS PDK API inside the QuickJS sandbox: the globals a plugin written against
// `@extism/js-pdk` uses (`Host`, `Memory`, `MemoryHandle`, `Config`, `Var`, `Http`, `console`,
// `TextEncoder`, `TextDecoder`), plus `module`/`exports` for the CommonJS bundle that esbuild and
// extism-js both produce. It is plain JavaScript evaluated in the sandbox before the plugin, as one
// function expression that the runtime calls with a few native functions (sandbox-context.ts);
// those stay in its closure, so the plugin reaches the host only through the PDK API.
//
// Why the PDK's Memory is emulated here rather than in real linear memory: a QuickJS plugin has no
// linear memory of its own. A block is an ArrayBuffer in a map keyed by a made-up offset, and the
// map is emptied at the start of every call, as Extism resets its memory per call.

/** The source: a function expression `(native, permissions, allowed) => ({ collect, invoke })`. */
export const PRELUDE_SOURCE = String.raw`(function (native, permissions, allowed) {
  'use strict';
  // Taken before the plugin runs, which may replace the globals for itself.
  var objectKeys = Object.keys;
  var stringify = JSON.stringify;
  var blocks = new Map();
  var nextOffset = 1;
  var vars = new Map();
  var exported = null;

  function toArrayBuffer(value, what) {
    if (value instanceof ArrayBuffer) return value;
    if (ArrayBuffer.isView(value)) return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
    throw new TypeError(what + ' must be an ArrayBuffer or a typed array');
  }
  function encode(text) { return native.encode(String(text)); }
  function decode(buffer) { return native.decode(buffer); }

  function store(buffer) {
    var offset = nextOffset;
    nextOffset += Math.max(1, buffer.byteLength);
    blocks.set(offset, buffer);
    return new MemoryHandle(offset, buffer.byteLength);
  }
  function block(offset) {
    var buffer = blocks.get(Number(offset));
    if (buffer === undefined) throw new RangeError('no memory block at offset ' + String(offset));
    return buffer;
  }

  function MemoryHandle(offset, len) { this.offset = offset; this.len = len; }
  MemoryHandle.prototype.readBytes = function () { return block(this.offset).slice(0); };
  MemoryHandle.prototype.readString = function () { return decode(block(this.offset)); };
  MemoryHandle.prototype.readJsonObject = function () { return JSON.parse(this.readString()); };
  MemoryHandle.prototype.readUInt32 = function () { return new DataView(block(this.offset)).getUint32(0, true); };
  MemoryHandle.prototype.readUInt64 = function () { return new DataView(block(this.offset)).getBigUint64(0, true); };
  MemoryHandle.prototype.readFloat32 = function () { return new DataView(block(this.offset)).getFloat32(0, true); };
  MemoryHandle.prototype.readUFloat64 = function () { return new DataView(block(this.offset)).getFloat64(0, true); };
  MemoryHandle.prototype.free = function () { blocks.delete(Number(this.offset)); };

  function scalar(bytes, write) { var b = new ArrayBuffer(bytes); write(new DataView(b)); return store(b); }
  var Memory = {
    fromString: function (text) { return store(encode(text)); },
    fromBuffer: function (bytes) { return store(toArrayBuffer(bytes, 'Memory.fromBuffer: bytes').slice(0)); },
    fromJsonObject: function (value) { return store(encode(JSON.stringify(value))); },
    allocUInt32: function (i) { return scalar(4, function (v) { v.setUint32(0, i, true); }); },
    allocUInt64: function (i) { return scalar(8, function (v) { v.setBigUint64(0, BigInt(i), true); }); },
    allocFloat32: function (i) { return scalar(4, function (v) { v.setFloat32(0, i, true); }); },
    allocFloat64: function (i) { return scalar(8, function (v) { v.setFloat64(0, i, true); }); },
    find: function (offset) { var b = block(offset); return new MemoryHandle(Number(offset), b.byteLength); },
    readBytes: function (offset) { return block(offset).slice(0); },
  };

  function callHost(name, request) {
    return native.hostCall(name, request);
  }
  function refusal(name) {
    return 'host function "' + name + '" needs permission "' + permissions[name] + '", which was not granted';
  }
  // Only the granted functions are in Host.getFunctions() (enumerable, 'in'); asking for an ABI
  // function that is not granted still gives one, which answers a PERMISSION_DENIED error envelope
  // naming the permission, as every runtime does (rather than undefined and a bare "not a function").
  function refused(name) {
    return function () {
      return store(encode(JSON.stringify({ error: { code: 'PERMISSION_DENIED', message: refusal(name) } }))).offset;
    };
  }
  var granted = {};
  allowed.forEach(function (name) {
    granted[name] = function (offset) { return store(callHost(name, block(offset))).offset; };
  });
  var functions = new Proxy(granted, {
    get: function (target, name) {
      if (typeof name === 'string' && !Object.prototype.hasOwnProperty.call(target, name) && Object.prototype.hasOwnProperty.call(permissions, name)) return refused(name);
      return target[name];
    },
    set: function () { return false; },
    defineProperty: function () { return false; },
    deleteProperty: function () { return false; },
  });

  var Host = {
    inputBytes: function () { return native.input(); },
    inputString: function () { return decode(native.input()); },
    outputBytes: function (bytes) { native.output(toArrayBuffer(bytes, 'Host.outputBytes: output')); return true; },
    outputString: function (text) { native.output(encode(text)); return true; },
    getFunctions: function () { return functions; },
    arrayBufferToBase64: function (buffer) { return native.toBase64(toArrayBuffer(buffer, 'Host.arrayBufferToBase64: input')); },
    base64ToArrayBuffer: function (text) { return native.fromBase64(String(text)); },
  };

  function envelope(name, answer) {
    var parsed = JSON.parse(decode(answer));
    if (parsed && parsed.error) {
      var error = new Error(name + ' failed: ' + parsed.error.code + ': ' + parsed.error.message);
      error.code = parsed.error.code;
      throw error;
    }
    return parsed ? parsed.ok : null;
  }
  var Http = {
    request: function (req, body) {
      if (allowed.indexOf('http_request') < 0) throw new Error(refusal('http_request')); // the PDK's Http.request throws on failure
      var payload = { method: req.method || 'GET', url: String(req.url), headers: {} };
      var headers = req.headers || {};
      Object.keys(headers).forEach(function (k) { payload.headers[k] = String(headers[k]); });
      if (body !== undefined && body !== null) payload.body = typeof body === 'string' ? body : decode(toArrayBuffer(body, 'Http.request: body'));
      var ok = envelope('http_request', callHost('http_request', encode(JSON.stringify(payload))));
      return { status: ok.status, headers: ok.headers || {}, body: ok.body };
    },
  };

  var Config = { get: function (key) { return native.config(String(key)); } };
  var Var = {
    set: function (name, value) { vars.set(String(name), typeof value === 'string' ? encode(value) : toArrayBuffer(value, 'Var.set: value').slice(0)); },
    getBytes: function (name) { var v = vars.get(String(name)); return v === undefined ? null : v.slice(0); },
    getString: function (name) { var v = vars.get(String(name)); return v === undefined ? null : decode(v); },
  };

  function TextEncoder() {}
  TextEncoder.prototype.encoding = 'utf-8';
  TextEncoder.prototype.encode = function (text) { return new Uint8Array(encode(text === undefined ? '' : text)); };
  function TextDecoder() {}
  TextDecoder.prototype.encoding = 'utf-8';
  TextDecoder.prototype.decode = function (bytes) { return bytes === undefined ? '' : decode(toArrayBuffer(bytes, 'TextDecoder.decode: input')); };

  // console goes to the host's per-plugin log, through the log host function, during calls only.
  function logger(level) {
    return function () {
      var text = Array.prototype.map.call(arguments, function (a) {
        if (typeof a === 'string') return a;
        try { return JSON.stringify(a); } catch (e) { return String(a); }
      }).join(' ');
      native.log(level, text);
    };
  }
  var console = { log: logger('info'), info: logger('info'), debug: logger('debug'), warn: logger('warn'), error: logger('error') };

  var module = { exports: {} };
  var globals = {
    Host: Host, Memory: Memory, MemoryHandle: MemoryHandle, Http: Http, Config: Config, Var: Var,
    TextEncoder: TextEncoder, TextDecoder: TextDecoder, console: console, module: module, exports: module.exports,
  };
  Object.keys(globals).forEach(function (name) {
    Object.defineProperty(globalThis, name, { value: globals[name], writable: true, configurable: true, enumerable: false });
  });

  return {
    // After the plugin script ran: the names of its exported functions.
    collect: function () {
      var exports = globalThis.module && globalThis.module.exports;
      exported = exports !== null && (typeof exports === 'object' || typeof exports === 'function') ? exports : {};
      var names = [];
      var keys = objectKeys(exported);
      for (var i = 0; i < keys.length; i++) if (typeof exported[keys[i]] === 'function') names.push(String(keys[i]));
      return stringify(names);
    },
    // One call: fresh memory blocks, then the export.
    invoke: function (name) {
      blocks.clear();
      nextOffset = 1;
      var fn = exported[name];
      if (typeof fn !== 'function') throw new TypeError('the plugin exports no function "' + name + '"');
      // A number is the Extism return code; a promise (an async export) is settled by the host.
      return fn();
    },
  };
})`;
