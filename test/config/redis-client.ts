import * as net from 'net';
import * as tls from 'tls';

/** A RESP reply: simple string, error, integer, bulk string (null when absent) or array. */
export type RespReply = string | number | null | RespError | RespReply[];

/** An error reply (`-NOAUTH …`). */
export class RespError {
  constructor(public readonly message: string) {}
}

/**
 * The smallest Redis client that the tests need: commands as RESP arrays over a raw socket,
 * replies parsed in order, and pushed pub/sub messages delivered to `onPush`. No dependency.
 */
export class RespClient {
  /** Opens a connection; `url` is what a connectionEnv gives (`redis://host:port` or `rediss://`). */
  public static connect(url: string, options: { ca?: string } = {}): Promise<RespClient> {
    const u = new URL(url);
    const port = Number(u.port || 6379);
    return new Promise((resolve, reject) => {
      const socket: net.Socket =
        u.protocol === 'rediss:'
          ? tls.connect({ host: u.hostname, port, ca: options.ca, servername: 'localhost' })
          : net.connect({ host: u.hostname, port });
      socket.once(u.protocol === 'rediss:' ? 'secureConnect' : 'connect', () =>
        resolve(new RespClient(socket)),
      );
      socket.once('error', reject);
    });
  }

  /** Called with every reply no command is waiting for (pub/sub messages). */
  public onPush: (reply: RespReply) => void = () => undefined;
  private buffer = Buffer.alloc(0);
  private readonly waiting: Array<(reply: RespReply) => void> = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const parsed = parse(this.buffer, 0);
        if (!parsed) break;
        this.buffer = this.buffer.subarray(parsed.end);
        const next = this.waiting.shift();
        if (next) next(parsed.reply);
        else this.onPush(parsed.reply);
      }
    });
  }

  /** Sends one command and resolves with its reply. */
  public command(...args: string[]): Promise<RespReply> {
    const parts = args.map((a) => {
      const bytes = Buffer.from(a, 'utf8');
      return `$${bytes.length}\r\n${a}\r\n`;
    });
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket.write(`*${args.length}\r\n${parts.join('')}`);
    });
  }

  /** Closes the connection. */
  public close(): void {
    this.socket.destroy();
  }
}

function parse(buf: Buffer, at: number): { reply: RespReply; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[at]);
  const line = buf.subarray(at + 1, eol).toString('utf8');
  switch (type) {
    case '+':
      return { reply: line, end: eol + 2 };
    case '-':
      return { reply: new RespError(line), end: eol + 2 };
    case ':':
      return { reply: Number(line), end: eol + 2 };
    case '$': {
      const length = Number(line);
      if (length < 0) return { reply: null, end: eol + 2 };
      if (buf.length < eol + 2 + length + 2) return undefined;
      return { reply: buf.subarray(eol + 2, eol + 2 + length).toString('utf8'), end: eol + 2 + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { reply: null, end: eol + 2 };
      const items: RespReply[] = [];
      let end = eol + 2;
      for (let i = 0; i < count; i++) {
        const item = parse(buf, end);
        if (!item) return undefined;
        items.push(item.reply);
        end = item.end;
      }
      return { reply: items, end };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}
