// The kill-switch API's answers: JSON bodies with their status, the 404 of an account that is not the
// environment's, and a request's body as text (API Gateway may send it base64-encoded).
import { Buffer } from 'node:buffer';
import type { APIGatewayProxyResult } from 'aws-lambda';

export const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export const bodyText = (request: { body?: string | null | undefined; isBase64Encoded?: boolean | undefined }): string =>
  request.body ? (request.isBase64Encoded ? Buffer.from(request.body, 'base64').toString('utf8') : request.body) : '{}';

export const unknownAccount = (account: string, accounts: readonly string[]): APIGatewayProxyResult =>
  json(404, { error: 'UnknownAccount', message: `${account} is not an account of this environment (${accounts.join(', ')})` });
