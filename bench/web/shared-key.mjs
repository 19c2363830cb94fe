// Just enough of Azure Blob Storage's REST API, signed with Shared Key, to fill Azurite fast for
// the web benchmark (create a container, put many small blobs in parallel over kept-alive sockets).

import { createHmac } from 'node:crypto';
import http from 'node:http';

const version = '2021-08-06';

function sign(account, key, method, url, headers) {
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  const length = h['content-length'] && h['content-length'] !== '0' ? h['content-length'] : '';
  const canonicalHeaders = Object.keys(h)
    .filter((k) => k.startsWith('x-ms-'))
    .sort()
    .map((k) => `${k}:${h[k].trim()}\n`)
    .join('');
  const params = [...url.searchParams.keys()].map((k) => k.toLowerCase()).sort();
  let resource = `/${account}${url.pathname}`;
  for (const k of new Set(params)) resource += `\n${k}:${url.searchParams.getAll(k).sort().join(',')}`;
  const toSign = [
    method,
    h['content-encoding'] ?? '',
    h['content-language'] ?? '',
    length,
    h['content-md5'] ?? '',
    h['content-type'] ?? '',
    '', // Date: x-ms-date is used
    h['if-modified-since'] ?? '',
    h['if-match'] ?? '',
    h['if-none-match'] ?? '',
    h['if-unmodified-since'] ?? '',
    h['range'] ?? '',
  ].join('\n') + '\n' + canonicalHeaders + resource;
  const signature = createHmac('sha256', Buffer.from(key, 'base64')).update(toSign, 'utf8').digest('base64');
  return `SharedKey ${account}:${signature}`;
}

/** A client of one account's blob endpoint (e.g. http://127.0.0.1:10000/devstoreaccount1). */
export function blobService(endpoint, account, key) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const base = endpoint.replace(/\/$/, '');

  function request(method, path, query, body = Buffer.alloc(0), extraHeaders = {}) {
    const url = new URL(`${base}/${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const headers = {
      'x-ms-date': new Date().toUTCString(),
      'x-ms-version': version,
      'Content-Length': String(body.length),
      ...extraHeaders,
    };
    headers.Authorization = sign(account, key, method, url, headers);
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers, agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  return {
    async createContainer(name) {
      const r = await request('PUT', name, { restype: 'container' });
      if (r.status !== 201 && r.status !== 409) throw new Error(`create container ${name}: ${r.status} ${r.body}`);
    },
    async putBlob(container, name, body = Buffer.alloc(0), contentType = 'text/plain') {
      const path = `${container}/${name.split('/').map(encodeURIComponent).join('/')}`;
      const r = await request('PUT', path, {}, body, { 'x-ms-blob-type': 'BlockBlob', 'Content-Type': contentType });
      if (r.status !== 201) throw new Error(`put ${container}/${name}: ${r.status} ${r.body}`);
    },
    /** Puts every name with at most `parallel` requests in flight. */
    async putMany(container, names, parallel = 32, body = Buffer.alloc(0)) {
      let next = 0;
      const worker = async () => {
        while (next < names.length) {
          const name = names[next++];
          await this.putBlob(container, name, body);
        }
      };
      await Promise.all(Array.from({ length: parallel }, worker));
    },
    close() {
      agent.destroy();
    },
  };
}
