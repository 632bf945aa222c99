import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import kaltura from 'kaltura-client';
import { withStreamedBody } from '../../../api/src/kaltura/streamed-upload.js';

interface Captured {
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The streamed chunk upload must put on the wire what kaltura-client itself sends for the same call
 * (the reference's §1.3 framing: leading CRLF, the `json` part, the `fileData` part named "chunk", no
 * trailing CRLF), and read Kaltura's answers by the client's rules.
 */
describe('Kaltura chunk upload without copies', () => {
  let server: Server;
  let captured: Captured[] = [];
  let answer: { status: number; body: string } = { status: 200, body: '{}' };
  let client: kaltura.Client;

  before(async () => {
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        captured.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(parts) });
        // not chained: restify, loaded by other suites in this process, makes writeHead return undefined
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const config = new kaltura.Configuration();
    config.setLogger({ log() {}, debug() {}, error() {} });
    config.serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new kaltura.Client(config);
    client.setPartnerId(4242);
    client.setKs('djJ8NDI0Mnx0ZXN0');
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    captured = [];
    answer = { status: 200, body: JSON.stringify({ objectType: 'KalturaUploadToken', id: '1_tok', uploadedFileSize: 11 }) };
  });

  const upload = (chunk: Buffer) => kaltura.services.uploadToken.upload('1_tok', chunk, true, false, 4096);
  const boundaryOf = (c: Captured) => /boundary=(.+)$/.exec(String(c.headers['content-type']))![1]!;
  const normalised = (c: Captured) => c.body.toString('latin1').split(boundaryOf(c)).join('BOUNDARY');

  it('sends the bytes kaltura-client sends, boundary aside, and resolves with the same result', async () => {
    const chunk = Buffer.from('HELLO\r\n--not-a-boundary\x00\xff world', 'latin1');
    const native = await upload(chunk).execute(client);
    const streamed = await withStreamedBody(upload(chunk), undefined, 5_000).execute(client);
    assert.deepEqual(streamed, native);
    const [a, b] = captured as [Captured, Captured];
    assert.equal(b.url, a.url);
    assert.equal(b.url, '/api_v3/service/uploadtoken/action/upload');
    assert.equal(normalised(b), normalised(a));
    assert.ok(normalised(b).startsWith('\r\n--BOUNDARY\r\nContent-Disposition: form-data; name="json"\r\n\r\n{'));
    assert.ok(normalised(b).endsWith('world\r\n--BOUNDARY--'));
    assert.match(String(b.headers['content-type']), /^multipart\/form-data; boundary=-{27}[0-9a-f]{24}$/);
    assert.equal(b.headers['content-length'], String(b.body.length));
    assert.equal(b.headers['accept'], 'application/json');
  });

  it('rejects as kaltura-client does: an API exception as the plain object, an HTTP failure as a response status', async () => {
    const exception = { objectType: 'KalturaAPIException', code: 'UPLOAD_TOKEN_NOT_FOUND', message: 'Upload token not found', args: [] };
    answer = { status: 200, body: JSON.stringify(exception) };
    await assert.rejects(withStreamedBody(upload(Buffer.from('x')), undefined, 5_000).execute(client), (err: unknown) => {
      assert.deepEqual(err, exception);
      return true;
    });
    answer = { status: 503, body: 'busy' };
    await assert.rejects(withStreamedBody(upload(Buffer.from('x')), undefined, 5_000).execute(client), (err: unknown) => {
      assert.equal((err as { response: { status: number } }).response.status, 503);
      return true;
    });
  });
});
