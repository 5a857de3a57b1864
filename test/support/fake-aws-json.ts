// An in-process stand-in for the two AWS JSON-protocol services the feed task calls that have no local
// emulator: EventBridge (PutEvents, recorded entry by entry) and Secrets Manager (GetSecretValue of the
// secrets it was given). It speaks the wire protocol (POST /, X-Amz-Target, application/x-amz-json-1.1), so a
// process with the real SDK clients reaches it through AWS_ENDPOINT_URL_EVENTBRIDGE and
// AWS_ENDPOINT_URL_SECRETS_MANAGER. Signatures are not checked.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PutEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName?: string;
}

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export class FakeAwsJson {
  readonly entries: PutEntry[] = [];
  private constructor(
    private readonly server: Server,
    private readonly secrets: Record<string, string>,
  ) {}

  static async start(secrets: Record<string, string>): Promise<FakeAwsJson> {
    const server = createServer();
    const fake = new FakeAwsJson(server, secrets);
    server.on('request', (request, response) => void fake.answer(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = String(request.headers['x-amz-target'] ?? '');
    const body = JSON.parse((await readBody(request)) || '{}') as Record<string, unknown>;
    const send = (status: number, payload: unknown) =>
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(payload));
    if (target === 'AWSEvents.PutEvents') {
      const entries = (body.Entries ?? []) as PutEntry[];
      this.entries.push(...entries);
      send(200, { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) });
    } else if (target === 'secretsmanager.GetSecretValue') {
      const id = String(body.SecretId);
      const secret = this.secrets[id];
      if (secret === undefined) send(400, { __type: 'ResourceNotFoundException', message: `Secrets Manager can't find the specified secret: ${id}` });
      else send(200, { ARN: id, Name: id.split(':').at(-1), SecretString: secret, VersionId: 'v1' });
    } else {
      send(400, { __type: 'UnknownOperationException', message: `not served: ${target}` });
    }
  }
}
