// The framing shared by the host and the Node helper: lines, stray text, glued messages, chunking.

import { describe, expect, it } from 'vitest';
import { encodeMessage, LineDecoder, RpcError, RpcPeer, type RpcMessage } from './json-rpc.js';

function decode(chunks: (string | Uint8Array)[]): { messages: RpcMessage[]; stray: string[] } {
  const messages: RpcMessage[] = [];
  const stray: string[] = [];
  const decoder = new LineDecoder((m) => messages.push(m), (l) => stray.push(l));
  for (const chunk of chunks) decoder.push(chunk);
  decoder.end();
  return { messages, stray };
}

describe('LineDecoder', () => {
  it('finds messages among stray lines, including one glued to a partial line', () => {
    const { messages, stray } = decode([
      'banner\n{"progress": 1}\n',
      'loading... {"jsonrpc":"2.0","id":1,"result":{}}\r\n',
      '[1,2]\n\n{"jsonrpc":"1.0","id":2}\n{"jsonrpc":"2.0","method":"x"}',
    ]);
    expect(messages).toEqual([{ jsonrpc: '2.0', id: 1, result: {} }, { jsonrpc: '2.0', method: 'x' }]);
    expect(stray).toEqual(['banner', '{"progress": 1}', 'loading... ', '[1,2]', '{"jsonrpc":"1.0","id":2}']);
  });

  it('reassembles messages split anywhere, multi-byte characters included', () => {
    const bytes = new TextEncoder().encode(encodeMessage({ jsonrpc: '2.0', id: 7, result: 'héllo ✓ wörld' }));
    const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(decode(chunks).messages).toEqual([{ jsonrpc: '2.0', id: 7, result: 'héllo ✓ wörld' }]);
  });

  it('takes a long line in many chunks, with lines before and after it in the same chunks', () => {
    const big = encodeMessage({ jsonrpc: '2.0', id: 1, result: 'x'.repeat(8 << 20) });
    const stream = `before\n${big}{"jsonrpc":"2.0","id":2,"result":null}\nafter\n`;
    const chunks: string[] = [];
    for (let i = 0; i < stream.length; i += 16384) chunks.push(stream.slice(i, i + 16384));
    const { messages, stray } = decode(chunks);
    expect(messages.map((m) => m.id)).toEqual([1, 2]);
    expect((messages[0]!.result as string).length).toBe(8 << 20);
    expect(stray).toEqual(['before', 'after']);
  });

  it('drops a runaway line past the limit and reports it', () => {
    const { messages, stray } = (() => {
      const messages: RpcMessage[] = [];
      const stray: string[] = [];
      const decoder = new LineDecoder((m) => messages.push(m), (l) => stray.push(l), 100);
      decoder.push('y'.repeat(150));
      decoder.push('\n{"jsonrpc":"2.0","method":"after"}\n');
      return { messages, stray };
    })();
    expect(stray).toHaveLength(1);
    expect(stray[0]).toContain('dropped');
    expect(messages).toEqual([{ jsonrpc: '2.0', method: 'after' }]);
  });
});

describe('RpcPeer', () => {
  it('correlates answers, passes errors, and fails pending requests on close', async () => {
    let b: RpcPeer;
    const a = new RpcPeer((line) => queueMicrotask(() => b.receive(JSON.parse(line) as RpcMessage)), () => null);
    b = new RpcPeer(
      (line) => queueMicrotask(() => a.receive(JSON.parse(line) as RpcMessage)),
      (method, params) => {
        if (method === 'fail') throw new RpcError(-32000, 'no', { kind: 'hook' });
        if (method === 'never') return new Promise(() => {});
        return { echoed: params ?? null };
      },
    );
    expect(await Promise.all([a.request('x', 1), a.request('y', 2)])).toEqual([{ echoed: 1 }, { echoed: 2 }]);
    await expect(a.request('fail')).rejects.toMatchObject({ code: -32000, message: 'no', data: { kind: 'hook' } });
    const pending = a.request('never');
    a.close(new Error('gone'));
    await expect(pending).rejects.toThrow('gone');
    await expect(a.request('x')).rejects.toThrow('gone');
  });
});
