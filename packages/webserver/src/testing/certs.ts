/**
 * Certificates for tests (self-signed, or a tiny CA with a leaf for OCSP), made with the openssl
 * command in a temp dir.
 * @module
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Makes `NAME.pem` and `NAME.key` for a host name (CN and subjectAltName). */
export async function makeCert(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`], { timeout: 30_000 });
  return { cert, key };
}

/** A tiny CA and one leaf it issued, for OCSP tests. */
export interface TestPki {
  readonly caCert: string;
  readonly caKey: string;
  readonly leafCert: string;
  readonly leafKey: string;
  /** The leaf followed by the CA certificate (what ssl_certificate holds). */
  readonly chain: string;
  /** The leaf's serial number, hex, as `openssl ocsp -index` files write it. */
  readonly serial: string;
  /** An `openssl ocsp -index` file saying the leaf is good (V) or revoked (R). */
  writeIndex(status: 'V' | 'R'): Promise<string>;
}

/**
 * Makes a CA and a leaf for `name` whose Authority Information Access names `ocspUrl`, with
 * the openssl command in `dir`.
 */
export async function makePki(dir: string, name: string, ocspUrl: string): Promise<TestPki> {
  const p = (f: string) => join(dir, `${name}-${f}`);
  const caCert = p('ca.pem');
  const caKey = p('ca.key');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caCert, '-days', '2', '-subj', `/CN=Test CA for ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'], { timeout: 30_000 });
  const leafKey = p('leaf.key');
  const csr = p('leaf.csr');
  await run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', leafKey, '-out', csr, '-subj', `/CN=${name}`], { timeout: 30_000 });
  const ext = p('leaf.ext');
  await writeFile(ext, `subjectAltName=DNS:${name}\nauthorityInfoAccess=OCSP;URI:${ocspUrl}\nbasicConstraints=CA:FALSE\n`);
  const leafCert = p('leaf.pem');
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-out', leafCert, '-days', '2', '-extfile', ext], { timeout: 30_000 });
  const chain = p('chain.pem');
  await writeFile(chain, Buffer.concat([await readFile(leafCert), await readFile(caCert)]));
  const { stdout } = await run('openssl', ['x509', '-in', leafCert, '-noout', '-serial'], { timeout: 30_000 });
  const serial = stdout.trim().replace(/^serial=/, '');
  return {
    caCert,
    caKey,
    leafCert,
    leafKey,
    chain,
    serial,
    async writeIndex(status) {
      const index = p(`index-${status}.txt`);
      const expiry = '301231235959Z';
      await writeFile(index, `${status}\t${expiry}\t${status === 'R' ? '261201000000Z' : ''}\t${serial}\tunknown\t/CN=${name}\n`);
      await writeFile(`${index}.attr`, 'unique_subject = no\n');
      return index;
    },
  };
}
