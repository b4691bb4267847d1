import * as http from 'node:http';
import * as net from 'node:net';
import { AddressInfo } from 'node:net';
import { Resolver } from '../../../lambda/zonal-probe/probe';

/** How a fake AZ answers. */
export type Behaviour = 'ok' | 'unavailable' | 'hang' | 'reset' | 'refused';

/** One local server per "AZ", all on 127.0.0.1, each behaving as told. */
export class ZoneServers {
  static async start(behaviours: Record<string, Behaviour>): Promise<ZoneServers> {
    const servers = new ZoneServers();
    for (const [az, behaviour] of Object.entries(behaviours)) {
      await servers.add(az, behaviour);
    }
    return servers;
  }

  /** Host headers each AZ's server saw. */
  readonly hosts: Record<string, string[]> = {};
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

  async close(): Promise<void> {
    await Promise.all(this.closers.map((close) => close()));
  }

  private async add(az: string, behaviour: Behaviour): Promise<void> {
    this.hosts[az] = [];
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
      this.hosts[az].push(String(req.headers.host));
      if (behaviour === 'hang') {
        pending.add(res);
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
