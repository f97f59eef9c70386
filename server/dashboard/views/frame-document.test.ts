// The frame document of a view: one nonce per response shared by the CSP, the script and the style;
// and inlined code that cannot end its element early yet means what it meant.

import { describe, expect, it } from 'vitest';
import { frameDocument } from './frame-document.js';

const csp = (response: ReturnType<typeof frameDocument>): string => response.headers['content-security-policy'] ?? '';

describe('frameDocument', () => {
  it('allows its own script and style by a fresh nonce, and no network, forms or base URL', () => {
    const first = frameDocument({ script: 'document.body.textContent = "hi"', style: 'p{color:red}' }, 'acme/demo view');
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp(first))?.[1];
    expect(nonce).toBeDefined();
    expect(csp(first)).toBe(
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox allow-scripts`,
    );
    expect(first.body).toContain(`<script nonce="${nonce}">document.body.textContent = "hi"</script>`);
    expect(first.body).toContain(`<style nonce="${nonce}">`);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(csp(frameDocument({ script: '', style: null }, 'x'))).not.toContain(nonce);
  });

  it('keeps code that spells </script>, <script or <!-- inside its element, meaning the same', () => {
    const script = 'globalThis.seen = ["</script><script>alert(1)</script>", "<!--", /<\\/SCRIPT>/i.source]; // </script>';
    const body = String(frameDocument({ script, style: '/* </STYLE><img src=x onerror=alert(2)> */' }, 'x').body);
    expect(body.match(/<\/script>/gi)).toHaveLength(1);
    expect(body.match(/<script/gi)).toHaveLength(1);
    expect(body.match(/<\/style>/gi)).toHaveLength(1);
    expect(body).not.toContain('<!--');
    const inlined = /<script nonce="[^"]+">([\s\S]*)<\/script>/.exec(body)![1]!;
    const seen: Record<string, unknown> = {};
    new Function('globalThis', inlined)(seen);
    expect(seen.seen).toEqual(['</script><script>alert(1)</script>', '<!--', '<\\/SCRIPT>']);
  });

  it('keeps markup out of the title', () => {
    expect(frameDocument({ script: '', style: null }, '<b>x</b>').body).toContain('<title>bx/b</title>');
  });
});
