// The browser's config check: the schema's own messages, each at the field it is about.

import { describe, expect, it } from 'vitest';
import { checkConfig } from './config-check.js';

const schema = {
  type: 'object',
  required: ['greeting'],
  properties: {
    greeting: { type: 'string', minLength: 1 },
    retries: { type: 'integer', maximum: 10 },
    tags: { type: 'array', items: { type: 'string', pattern: '^[a-z]+$' } },
    limits: { type: 'object', required: ['per/minute'], properties: { 'per/minute': { type: 'integer' } } },
  },
};

describe('checkConfig', () => {
  it('passes a valid config, and any config without a schema', () => {
    expect(checkConfig(schema, { greeting: 'hi', retries: 3, tags: ['a'], limits: { 'per/minute': 1 } })).toEqual([]);
    expect(checkConfig(undefined, { anything: true })).toEqual([]);
  });

  it('places each problem at the property it is about, without the summaries above it', () => {
    const problems = checkConfig(schema, { greeting: '', retries: 11, tags: ['ok', 'Not ok'], limits: {} });
    expect(problems.map((p) => p.pointer)).toEqual(['/greeting', '/retries', '/tags/1', '/limits/per~1minute']);
    expect(problems[1]!.message).toContain('10');
    expect(problems[3]!.message).toBe('This is required.');
    expect(checkConfig(schema, {})).toEqual([{ pointer: '/greeting', message: 'This is required.' }]);
  });

  it('reads the draft a schema declares', () => {
    // `prefixItems` only means something in 2020-12.
    const tuple = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }] } } };
    expect(checkConfig(tuple, { pair: [1] }).map((p) => p.pointer)).toEqual(['/pair/0']);
  });
});
