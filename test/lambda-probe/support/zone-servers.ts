import * as http from 'node:http';
import * as net from 'node:net';
import { AddressInfo } from 'node:net';
import { Resolver } from '../../../lambda/zonal-probe/probe';

/**
 * How a fake AZ answers: 200, 503, never, a reset as soon as the request arrives, a refused
 * connection, or a 200 whose body breaks off.
 */
export type Behaviour = 'ok' | 'unavailable' | 'hang' | 'reset' | 'refused' | 'truncated';

/** A request as a fake AZ received it. */
export interface ReceivedRequest {
  readonly method?: string;
  readonly url?: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** One local server per "AZ", all on 127.0.0.1, each behaving as told. */
export class ZoneServers {
  static async start(behaviours: Record<string, Behaviour>): Promise<ZoneServers> {
    const servers = new ZoneServers();
    for (const [az, behaviour] of Object.entries(behaviours)) {
      await servers.add(az, behaviour);
    }
    return servers;
  }

  /** The requests each AZ's server received. */
  readonly requests: Record<string, ReceivedRequest[]> = {};
  private readonly ports = new Map<string, number>();
  private readonly closers: Array<() => Promise<void>> = [];

  /**
   * Maps `<az>.<dnsName>` to the AZ's port on 127.0.0.1; any other name fails like DNS does
   * (ENOTFOUND), so a name the probe should not ask for reads as a DNS failure.
   */
  resolver(dnsName: string): Resolver {
    return async (hostname) => {
      for (const [az, port] of this.ports) {
        if (hostname === `${az}.${dnsName}`) {
          return { address: '127.0.0.1', port };
        }
      }
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    };
  }

  /** The port an AZ's server listens on (or, for `refused`, listened on). */
  port(az: string): number {
    return this.ports.get(az)!;
  }

  async close(): Promise<void> {
    await Promise.all(this.closers.map((close) => close()));
  }

  private async add(az: string, behaviour: Behaviour): Promise<void> {
    this.requests[az] = [];
    if (behaviour === 'reset' || behaviour === 'refused') {
      const sockets = new Set<net.Socket>();
      const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.once('data', () => socket.resetAndDestroy());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      this.ports.set(az, port);
      const close = () => new Promise<void>((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      });
      if (behaviour === 'refused') {
        // Nothing listens on the port any more: connections are refused.
        await close();
      } else {
        this.closers.push(close);
      }
      return;
    }
    const pending = new Set<http.ServerResponse>();
    const server = http.createServer((req, res) => {
      this.requests[az].push({ method: req.method, url: req.url, headers: req.headers });
      if (behaviour === 'hang') {
        pending.add(res);
        return;
      }
      if (behaviour === 'truncated') {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '100' });
        res.write('ok from', () => res.destroy());
        return;
      }
      res.writeHead(behaviour === 'ok' ? 200 : 503, { 'Content-Type': 'text/plain' });
      res.end(behaviour === 'ok' ? `ok from ${az}` : 'unavailable');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.ports.set(az, (server.address() as AddressInfo).port);
    this.closers.push(() => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }));
  }
}
