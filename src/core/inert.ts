// Text repro prints for a person is made inert: names, annotations, registry answers and errors
// come from bundles, registries and entry points someone else controls, and a terminal obeys
// escape sequences (clear the screen, rewrite the title, OSC 8 links, bidi overrides that make
// code read otherwise). Control characters other than newline and tab, DEL, the C1 controls and
// the bidi controls are shown as \xNN or \u{NNNN} instead of being sent as they are.

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function inert(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
