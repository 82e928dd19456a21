/**
 * Personal data in a disclosed payload, masked for screens and printouts
 * (《个人信息保护法》: show no more than the purpose needs): a resident ID
 * number keeps its first 4 and last 4 characters, a mobile number its first
 * 3 and last 4. Found by shape in any string value, and by member name
 * (idNumber, phone, ...) for values of other shapes, so a payload's author
 * cannot hide one from the mask by its name.
 */
const ID_NUMBER = /(?<![0-9A-Za-z])([1-9]\d{5})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])/g;
const MOBILE = /(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)/g;
const PERSONAL_NAMES = /^(id|idno|idnumber|idcard|identity|identitynumber|sfz|sfzh|phone|mobile|tel|telephone|phonenumber)$/i;

export function maskPersonalData(value: unknown): unknown {
  if (typeof value === 'string') return maskText(value);
  if (Array.isArray(value)) return value.map(maskPersonalData);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, PERSONAL_NAMES.test(k.replace(/[_-]/g, '')) && (typeof v === 'string' || typeof v === 'number') ? maskWhole(String(v)) : maskPersonalData(v)]),
    );
  }
  return value;
}

function maskText(s: string): string {
  return s
    .replace(ID_NUMBER, (_m, a: string, b: string, c: string) => `${a.slice(0, 4)}${'*'.repeat(2 + b.length + c.length - 4)}${c}`)
    .replace(MOBILE, (_m, a: string, b: string, c: string) => `${a}${'*'.repeat(b.length)}${c}`);
}

/** A value named as personal but of no known shape: all but its last 4 characters hidden. */
function maskWhole(s: string): string {
  const masked = maskText(s);
  if (masked !== s) return masked;
  return s.length <= 4 ? '*'.repeat(s.length) : `${'*'.repeat(s.length - 4)}${s.slice(-4)}`;
}
