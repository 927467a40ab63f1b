import { describe, expect, it } from 'vitest';
import { originRefusal, type OriginPolicy } from './http.ts';

const tokens: OriginPolicy = { allowedOrigins: ['https://agent.example'], allowedHosts: [], checkHost: false };
const development: OriginPolicy = { ...tokens, checkHost: true, allowedHosts: ['judgify.internal'] };

describe('/mcp origin and host checks', () => {
  it('lets non-browser clients, the gateway\'s own origin and allowed origins through', () => {
    expect(originRefusal({ host: 'gw.example:8000' }, tokens)).toBeUndefined();
    expect(originRefusal({ host: 'gw.example:8000', origin: 'http://gw.example:8000' }, tokens)).toBeUndefined();
    expect(originRefusal({ host: 'gw.example:8000', origin: 'https://agent.example' }, tokens)).toBeUndefined();
  });

  it('refuses a page of another origin', () => {
    expect(originRefusal({ host: 'gw.example:8000', origin: 'https://evil.example' }, tokens)).toBe(
      "Origin https://evil.example may not call this MCP endpoint: only the gateway's own origin and MCP_ALLOWED_ORIGINS may.",
    );
  });

  it('in development-identity mode answers only loopback and allowed host names (DNS rebinding)', () => {
    for (const host of ['localhost:8000', '127.0.0.1:8000', '[::1]:8000', 'judgify.internal']) expect(originRefusal({ host }, development)).toBeUndefined();
    expect(originRefusal({ host: 'rebound.evil.example:8000', origin: 'http://rebound.evil.example:8000' }, development)).toMatch(
      /^Host rebound\.evil\.example:8000 is refused: in development-identity mode/,
    );
    expect(originRefusal({}, development)).toMatch(/^Host \(none\) is refused/);
  });
});
