import * as net from 'node:net';

/** The first byte of a TLS client's first record (a handshake). */
export const TLS_HANDSHAKE = 0x16;

/**
 * A plain TCP server on 127.0.0.1 that keeps the first bytes of each connection and hangs up. It
 * tells a client that opens with TLS (a handshake record) from one that sends plain HTTP (its
 * method) without needing a certificate.
 */
export class FirstBytesServer {
  static async start(): Promise<FirstBytesServer> {
    const server = new FirstBytesServer();
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  readonly firstBytes: Buffer[] = [];
  private readonly server = net.createServer((socket) => socket.once('data', (chunk: Buffer) => {
    this.firstBytes.push(chunk);
    socket.destroy();
  }));

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
