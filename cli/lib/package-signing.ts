// `sign` and `verify` on package files, with the server's own package code (server/plugins/package.ts):
// the CLI only reads and writes files and turns PackageErrors into CLI errors that say what to do.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AgentIdentity } from '../../server/atomic/agent.js';
import { PackageError, readPackage, signPackage, verifyPackage, type PluginPackage } from '../../server/plugins/package.js';
import { CliError } from './errors.js';

/** What `sign` did (its `--json` output). */
export interface SignResult {
  path: string;
  digest: string;
  signer: string;
  publicKey: string;
}

/** What `verify` established (its `--json` output). */
export interface VerifyResult {
  path: string;
  plugin: string;
  version: string;
  digest: string;
  signed: boolean;
  signer?: string;
  publicKey?: string;
  /** True when a trust list was given and the signer is on it. */
  trusted: boolean;
}

/** Reads a package file; a missing file is NOT_A_PLUGIN. */
export function readPackageFile(path: string): Uint8Array {
  const full = resolve(path);
  if (!existsSync(full)) throw new CliError('NOT_A_PLUGIN', `${full} does not exist`, ['build the package first with `atomic-plugin build`']);
  return readFileSync(full);
}

/** Reads and checks a package's layout and manifest; problems become INVALID_PACKAGE. */
export function parsePackage(zip: Uint8Array, label: string): PluginPackage {
  try {
    return readPackage(zip);
  } catch (error) {
    if (error instanceof PackageError) {
      throw new CliError('INVALID_PACKAGE', `${label} is not a valid plugin package: ${error.message}`, [
        'rebuild it with `atomic-plugin build`; a package zip holds plugin.json, the code, and optionally assets/, ui.js, ui.css and signature.json',
      ]);
    }
    throw error;
  }
}

/**
 * Checks a package against a trust policy. DIGEST_MISMATCH (the files changed after signing),
 * BAD_SIGNATURE, UNSIGNED and UNTRUSTED_PUBLISHER become VERIFY_FAILED with the reason.
 */
export function checkTrust(pkg: PluginPackage, label: string, policy: { requireSignature: boolean; trustedPublishers: string[] }): { signer?: string; publicKey?: string } {
  try {
    return verifyPackage(pkg, policy);
  } catch (error) {
    if (!(error instanceof PackageError)) throw error;
    const suggestions: Record<string, string> = {
      UNSIGNED: 'sign it with `atomic-plugin sign <zip>`',
      DIGEST_MISMATCH: 'the package was changed after it was signed: get it again from its publisher, or rebuild and sign it',
      BAD_SIGNATURE: 'the signature is not valid: get the package again from its publisher, or sign it again',
      UNTRUSTED_PUBLISHER: 'add the publisher with --trust <public key or agent URL> only if you trust them',
    };
    throw new CliError('VERIFY_FAILED', `${label} does not verify (${error.code}): ${error.message}`, [suggestions[error.code] ?? 'rebuild the package']);
  }
}

/** Signs the package at `path` in place (or into `output`) as `agent`. */
export function signPackageFile(path: string, agent: AgentIdentity, output?: string): SignResult {
  const zip = readPackageFile(path);
  const pkg = parsePackage(zip, path);
  let signed: Uint8Array;
  try {
    signed = signPackage(zip, agent);
  } catch (error) {
    if (error instanceof TypeError) throw new CliError('INVALID_SECRET', `Cannot sign with this secret: ${error.message}`);
    throw error;
  }
  const target = resolve(output ?? path);
  writeFileSync(target, signed);
  return { path: target, digest: pkg.digest, signer: agent.subject, publicKey: agent.publicKey };
}

/** Verifies the package at `path`: digest and signature always, publishers when `trust` lists some. */
export function verifyPackageFile(path: string, trust: string[], allowUnsigned: boolean): VerifyResult {
  const full = resolve(path);
  const pkg = parsePackage(readPackageFile(full), full);
  const verified = checkTrust(pkg, full, { requireSignature: !allowUnsigned, trustedPublishers: trust });
  return {
    path: full,
    plugin: `${pkg.manifest.namespace}/${pkg.manifest.name}`,
    version: pkg.manifest.version,
    digest: pkg.digest,
    signed: verified.signer !== undefined,
    ...(verified.signer ? { signer: verified.signer, publicKey: verified.publicKey } : {}),
    trusted: trust.length > 0,
  };
}
