/**
 * A small internal service of a demo hospital (its EMR and pharmacy
 * systems), for the demo network and the routing tests. It listens on
 * 127.0.0.1 only; its gateway publishes it to the routing network.
 *
 *   POST /emr/query        { patient, scope[] }  -> { patient, entries, resources[] }
 *   GET  /emr/patients/:id                       -> { patient, allergies[], encounters }
 *   POST /rx/review        { prescription }      -> { prescription, decision }
 *   ANY  /echo/...                               -> { institution, method, path, body }
 *   ANY  /echo/slow?ms=N                         -> the same, N ms later (timeouts)
 *
 * EMR answers name the patient in the internal header x-evidence-subject-id,
 * which the gateway uses as the subject of the record-access evidence.
 */
import http from 'node:http';

export interface SampleService {
  url: string;
  /** Requests served, newest last (what the destination service actually received). */
  received: { method: string; path: string; body?: unknown }[];
  close(): Promise<void>;
}

export async function startSampleService(institution: string, host = '127.0.0.1', port = 0): Promise<SampleService> {
  const received: SampleService['received'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        return send(res, 400, { error: 'invalid JSON' });
      }
      const path = req.url ?? '/';
      received.push(body === undefined ? { method: req.method ?? 'GET', path } : { method: req.method ?? 'GET', path, body });
      const slow = /^\/echo\/slow\?ms=(\d+)/.exec(path);
      const delay = slow ? Math.min(60_000, Number(slow[1])) : 0;
      const timer = setTimeout(() => route(institution, req.method ?? 'GET', path, body, res), delay);
      res.once('close', () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function route(institution: string, method: string, path: string, body: unknown, res: http.ServerResponse): void {
  const b = (body ?? {}) as Record<string, unknown>;
  if (method === 'POST' && path.startsWith('/emr/query')) {
    const patient = typeof b.patient === 'string' ? b.patient : 'unknown';
    const scope = Array.isArray(b.scope) ? b.scope.map(String) : ['Observation'];
    const resources = scope.map((type, i) => ({ resourceType: type, id: `${institution}-${type}-${i + 1}` }));
    return send(res, 200, { patient, entries: resources.length, resources }, typeof b.idNumber === 'string' ? b.idNumber : undefined);
  }
  const patientMatch = /^\/emr\/patients\/([^/?]+)/.exec(path);
  if (method === 'GET' && patientMatch) {
    return send(res, 200, { patient: patientMatch[1], allergies: ['penicillin'], encounters: 3 });
  }
  if (method === 'POST' && path.startsWith('/rx/review')) {
    return send(res, 200, { prescription: b.prescription ?? null, decision: 'approved', pharmacist: `${institution}-PH-01` });
  }
  if (path.startsWith('/echo')) return send(res, 200, { institution, method, path, body: body ?? null });
  return send(res, 404, { error: 'not found' });
}

function send(res: http.ServerResponse, status: number, body: unknown, subjectId?: string): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (subjectId) headers['x-evidence-subject-id'] = subjectId;
  res.writeHead(status, headers).end(JSON.stringify(body));
}
