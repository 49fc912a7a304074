/**
 * The `msg` checks of the DingTalk work-notice fake (test-only): the message types of §5.2 with
 * the fields DingTalk requires for each, and the 2048-byte size of the whole `msg` (◐, the 2019
 * asyncsend_v2 docs). Answers what is wrong, or `undefined` for a message DingTalk would take.
 */

const MAX_MSG_BYTES = 2048;

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const filled = (o: Obj, ...keys: string[]) => keys.every((k) => typeof o[k] === 'string' && o[k] !== '');

/** Required fields per msgtype (media types need an uploaded media id). */
const SHAPES: Readonly<Record<string, (m: Obj) => boolean>> = {
  text: (m) => filled(m, 'content'),
  markdown: (m) => filled(m, 'title', 'text'),
  link: (m) => filled(m, 'messageUrl', 'picUrl', 'title', 'text'),
  image: (m) => filled(m, 'media_id'),
  file: (m) => filled(m, 'media_id'),
  voice: (m) => filled(m, 'media_id', 'duration'),
  action_card: (m) => {
    if (!filled(m, 'title', 'markdown')) return false;
    const single = m.single_title !== undefined || m.single_url !== undefined;
    const btns = m.btn_json_list;
    if (single) return filled(m, 'single_title', 'single_url') && btns === undefined;
    return (
      Array.isArray(btns) &&
      btns.length > 0 &&
      btns.every((b) => isObj(b) && filled(b, 'title', 'action_url'))
    );
  },
  oa: (m) =>
    filled(m, 'message_url') &&
    isObj(m.head) &&
    typeof m.head.bgcolor === 'string' &&
    /^[0-9A-Fa-f]{8}$/.test(m.head.bgcolor) &&
    isObj(m.body) &&
    Object.keys(m.body).length > 0,
};

/**
 * What is wrong with a `msg`, if anything.
 *
 * @example checkMsg({ msgtype: 'text', text: { content: 'Hi' } }) // undefined
 * @example checkMsg({ msgtype: 'text', text: {} }) // 'msg.text is not a valid text message'
 */
export function checkMsg(msg: unknown): string | undefined {
  if (!isObj(msg) || typeof msg.msgtype !== 'string') return 'msg.msgtype 缺失';
  const shape = SHAPES[msg.msgtype];
  if (!shape) return `不支持的消息类型 ${msg.msgtype}`;
  const body = msg[msg.msgtype];
  if (!isObj(body) || !shape(body)) return `msg.${msg.msgtype} is not a valid ${msg.msgtype} message`;
  const size = Buffer.byteLength(JSON.stringify(msg), 'utf8');
  if (size > MAX_MSG_BYTES) return `消息体超过${MAX_MSG_BYTES}字节 (${size})`;
  return undefined;
}
