import * as http from 'node:http';
import { Socket } from 'node:net';
import { canonicalQuery, canonicalUri, verifySigV4 } from './support/sigv4-verifier';

/** A received request, as node's server would hand it over. */
function received(method: string, url: string, headers: Record<string, string>): http.IncomingMessage {
  const req = new http.IncomingMessage(new Socket());
  req.method = method;
  req.url = url;
  for (const [name, value] of Object.entries(headers)) {
    req.headers[name.toLowerCase()] = value;
  }
  return req;
}

// The worked example of AWS's Signature Version 4 documentation (IAM ListUsers).
const EXAMPLE = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  region: 'us-east-1',
  service: 'iam',
};
const EXAMPLE_HEADERS = {
  'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
  'host': 'iam.amazonaws.com',
  'x-amz-date': '20150830T123600Z',
  'authorization': 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, '
    + 'SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
};

test("accepts the documentation's worked example", () => {
  expect(verifySigV4(received('GET', '/?Action=ListUsers&Version=2010-05-08', EXAMPLE_HEADERS), '', EXAMPLE)).toBe(true);
});

test.each([
  ['another query value', '/?Action=ListGroups&Version=2010-05-08'],
  ['another path', '/users?Action=ListUsers&Version=2010-05-08'],
])('rejects the example with %s', (_name, url) => {
  expect(verifySigV4(received('GET', url, EXAMPLE_HEADERS), '', EXAMPLE)).toBe(false);
});

test('rejects the example signed for another service', () => {
  expect(verifySigV4(received('GET', '/?Action=ListUsers&Version=2010-05-08', EXAMPLE_HEADERS), '', { ...EXAMPLE, service: 'sts' })).toBe(false);
});

test('query parameters are decoded, re-encoded strictly and sorted', () => {
  expect(canonicalQuery('b=2&a=x%2By%2F%3D%26&c=')).toBe('a=x%2By%2F%3D%26&b=2&c=');
  // A value sent without encoding its reserved characters splits into other parameters.
  expect(canonicalQuery('a=x+y/=&b=2')).not.toBe(canonicalQuery('a=x%2By%2F%3D%26b%3D2'));
});

test('path segments are encoded once more, so an encoded ARN differs from a raw one', () => {
  expect(canonicalUri('/managedresources/arn%3Aaws%3Ax%2Fy')).toBe('/managedresources/arn%253Aaws%253Ax%252Fy');
  expect(canonicalUri('/managedresources/arn:aws:x/y')).toBe('/managedresources/arn%3Aaws%3Ax/y');
});
