import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { type ParsedMail, parseMail } from './mime.ts';

/**
 * How the test server answers a message at the end of DATA: `accept`, or an SMTP reply code
 * (4xx transient, 5xx permanent) given at the protocol level, so the client sees a real reply.
 */
export type SmtpMode = 'accept' | '421' | '450' | '451' | '452' | '550' | '552' | '553' | '554';

/** A message the server accepted (or refused, in `rejected`). */
export type ReceivedMail = ParsedMail & {
  /** The `X-Push-Message-Id` header ('' when absent). */
  pushMessageId: string;
  envelopeFrom: string;
  envelopeTo: string[];
  /** Id of the SMTP connection that carried it (tells pooled connections apart). */
  connectionId: string;
  receivedAt: number;
  /** What the server answered. */
  answer: SmtpMode;
};

/** Decides the answer per message; it sees the parsed message (to fail chosen ids only). */
export type SmtpModeFn = (mail: ReceivedMail) => SmtpMode;

export type SmtpServerFixture = {
  host: string;
  port: number;
  /** Accepted messages in arrival order. */
  messages: ReceivedMail[];
  /** Refused messages (any non-accept answer). */
  rejected: ReceivedMail[];
  /** Accepted messages per `X-Push-Message-Id` (a value above 1 is a duplicate delivery). */
  countById: Map<string, number>;
  /** Connection counters: total opened, open now, most open at once, failed logins. */
  stats: { connections: number; open: number; peakOpen: number; authFailures: number };
  setMode(mode: SmtpMode | SmtpModeFn): void;
  /** Forgets messages and counters (not the mode). */
  reset(): void;
  close(): Promise<void>;
};

const REPLY_TEXT: Record<Exclude<SmtpMode, 'accept'>, string> = {
  '421': '4.7.0 Service not available, closing transmission channel',
  '450': '4.2.1 Mailbox unavailable, try again later',
  '451': '4.3.0 Local error in processing, try again later',
  '452': '4.3.1 Insufficient system storage',
  '550': '5.1.1 Mailbox unavailable',
  '552': '5.3.4 Message size exceeds fixed limit',
  '553': '5.1.3 Mailbox name not allowed',
  '554': '5.7.1 Transaction failed',
};

const replyError = (code: Exclude<SmtpMode, 'accept'>): Error & { responseCode: number } =>
  Object.assign(new Error(REPLY_TEXT[code]), { responseCode: Number(code) });

/**
 * A real SMTP server on 127.0.0.1 and a random port (smtp-server), for tests that send real mail
 * over the network. No STARTTLS (clients talk plain SMTP); with `auth`, a login is required and
 * wrong credentials get `535`. Every message is parsed and recorded in memory.
 *
 * @example
 * const smtp = await startSmtpServer({ auth: { user: 'u', pass: 'p' } });
 * // … send to 127.0.0.1:smtp.port …
 * await waitFor('mail', () => smtp.messages.length === 1);
 * smtp.setMode('451'); // from now on every message is refused with 451
 * await smtp.close();
 */
export async function startSmtpServer(
  opts: {
    mode?: SmtpMode | SmtpModeFn;
    auth?: { user: string; pass: string };
    /** Idle time before the server hangs up on a client (smtp-server default: 60 s). */
    socketTimeoutMs?: number;
  } = {},
): Promise<SmtpServerFixture> {
  let mode: SmtpModeFn = toFn(opts.mode ?? 'accept');
  const messages: ReceivedMail[] = [];
  const rejected: ReceivedMail[] = [];
  const countById = new Map<string, number>();
  const stats = { connections: 0, open: 0, peakOpen: 0, authFailures: 0 };

  const options: SMTPServerOptions = {
    logger: false,
    banner: 'pushline test smtp',
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    closeTimeout: 500,
    ...(opts.socketTimeoutMs ? { socketTimeout: opts.socketTimeoutMs } : {}),
    onConnect(_session, callback) {
      stats.connections++;
      stats.open++;
      stats.peakOpen = Math.max(stats.peakOpen, stats.open);
      callback();
    },
    onClose() {
      stats.open--;
    },
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) {
        callback(null, { user: auth.username });
        return;
      }
      stats.authFailures++;
      callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        const parsed = parseMail(Buffer.concat(chunks));
        const from = session.envelope.mailFrom;
        const mail: ReceivedMail = {
          ...parsed,
          pushMessageId: parsed.headers.get('x-push-message-id') ?? '',
          envelopeFrom: from ? from.address : '',
          envelopeTo: session.envelope.rcptTo.map((a) => a.address),
          connectionId: session.id,
          receivedAt: Date.now(),
          answer: 'accept',
        };
        mail.answer = mode(mail);
        if (mail.answer !== 'accept') {
          rejected.push(mail);
          callback(replyError(mail.answer));
          return;
        }
        messages.push(mail);
        countById.set(mail.pushMessageId, (countById.get(mail.pushMessageId) ?? 0) + 1);
        callback(null, `2.0.0 Ok: queued as ${mail.pushMessageId || messages.length}`);
      });
    },
  };
  const server = new SMTPServer(options);
  // Replies go out at once: with Nagle's algorithm on, each short SMTP reply waits for the
  // client's delayed ACK (~40 ms), which would cap a pooled connection at ~25 mails/s.
  (server as unknown as { server: import('node:net').Server }).server.on('connection', (sock) =>
    sock.setNoDelay(true),
  );
  server.on('error', () => {}); // a client's broken socket must not crash the test process

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    host: '127.0.0.1',
    port,
    messages,
    rejected,
    countById,
    stats,
    setMode(m) {
      mode = toFn(m);
    },
    reset() {
      messages.length = 0;
      rejected.length = 0;
      countById.clear();
      stats.connections = stats.open;
      stats.peakOpen = stats.open;
      stats.authFailures = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const toFn = (m: SmtpMode | SmtpModeFn): SmtpModeFn => (typeof m === 'function' ? m : () => m);
