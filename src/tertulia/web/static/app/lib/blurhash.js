// BlurHash (https://blurha.sh): a few dozen characters that stand for an image's colours,
// decoded to pixels and painted into a small canvas while the image itself loads.

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

function base83(text) {
  let value = 0;
  for (const char of text) {
    const digit = DIGITS.indexOf(char);
    if (digit < 0) throw new Error("blurhash: not a base-83 digit");
    value = value * 83 + digit;
  }
  return value;
}

function toLinear(value) {
  const v = value / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

function toSrgb(value) {
  const v = Math.max(0, Math.min(1, value));
  return Math.round(v <= 0.0031308 ? v * 12.92 * 255 : (1.055 * v ** (1 / 2.4) - 0.055) * 255);
}

const signedSquare = (value) => Math.sign(value) * value * value;

/** Whether `hash` is a well-formed BlurHash (its length matches its components). */
export function valid(hash) {
  if (typeof hash !== "string" || hash.length < 6) return false;
  try {
    for (const char of hash) base83(char); // throws on a character that is not a digit
    const flag = base83(hash[0]);
    return hash.length === 4 + 2 * ((flag % 9) + 1) * (Math.floor(flag / 9) + 1);
  } catch {
    return false;
  }
}

/** The image `hash` stands for, `width` × `height` pixels of RGBA; throws on a bad hash. */
export function decode(hash, width, height, punch = 1) {
  if (!valid(hash)) throw new Error("blurhash: malformed");
  const flag = base83(hash[0]);
  const across = (flag % 9) + 1;
  const down = Math.floor(flag / 9) + 1;
  const maximum = ((base83(hash[1]) + 1) / 166) * punch;
  const colours = [];
  const dc = base83(hash.slice(2, 6));
  colours.push([toLinear(dc >> 16), toLinear((dc >> 8) & 255), toLinear(dc & 255)]);
  for (let i = 1; i < across * down; i++) {
    const ac = base83(hash.slice(4 + i * 2, 6 + i * 2));
    colours.push([
      signedSquare((Math.floor(ac / 361) - 9) / 9) * maximum,
      signedSquare(((Math.floor(ac / 19) % 19) - 9) / 9) * maximum,
      signedSquare(((ac % 19) - 9) / 9) * maximum,
    ]);
  }
  // the cosines of each row and column, once: width·across + height·down, not per pixel
  const cosX = new Float64Array(width * across);
  for (let x = 0; x < width; x++) for (let i = 0; i < across; i++) cosX[x * across + i] = Math.cos((Math.PI * x * i) / width);
  const cosY = new Float64Array(height * down);
  for (let y = 0; y < height; y++) for (let j = 0; j < down; j++) cosY[y * down + j] = Math.cos((Math.PI * y * j) / height);
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < down; j++) {
        for (let i = 0; i < across; i++) {
          const basis = cosX[x * across + i] * cosY[y * down + j];
          const colour = colours[i + j * across];
          r += colour[0] * basis;
          g += colour[1] * basis;
          b += colour[2] * basis;
        }
      }
      const at = 4 * (x + y * width);
      pixels[at] = toSrgb(r);
      pixels[at + 1] = toSrgb(g);
      pixels[at + 2] = toSrgb(b);
      pixels[at + 3] = 255;
    }
  }
  return pixels;
}

/** Paint `hash` into `canvas` at the canvas's own pixel size; false if the hash is bad. */
export function paint(canvas, hash) {
  if (!canvas || !valid(hash)) return false;
  const { width, height } = canvas;
  const context = canvas.getContext("2d");
  if (!context) return false;
  context.putImageData(new ImageData(decode(hash, width, height), width, height), 0, 0);
  return true;
}
