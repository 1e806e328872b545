// A TCP proxy in front of a real server (PostgreSQL, Redis) that a test can cut, as an outage would;
// with `tlsOptions`, a TLS terminator in front of a plain HTTP server, as a load balancer would be.
import net, { type AddressInfo } from 'node:net'
import tls from 'node:tls'

export interface TcpProxy {
  port: number
  // Stops listening and cuts every connection, as a server going away would.
  close (): Promise<void>
}

export async function startTcpProxy (host: string, targetPort: number, port = 0, tlsOptions?: tls.TlsOptions): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>()
  const forward = (client: net.Socket) => {
    const upstream = net.connect(targetPort, host)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => { client.destroy(); upstream.destroy() })
    }
    client.pipe(upstream).pipe(client)
  }
  const server = tlsOptions ? tls.createServer(tlsOptions, forward) : net.createServer(forward)
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    async close () {
      const closed = new Promise((resolve) => server.close(resolve))
      for (const socket of sockets) socket.destroy()
      await closed
    }
  }
}
