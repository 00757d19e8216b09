/** Stroke icons (24×24 grid, drawn for this UI) so nothing is fetched from elsewhere. */
import { s } from './dom.ts';

const PATHS = {
  search: ['M11 4a7 7 0 1 0 0 14a7 7 0 1 0 0-14z', 'M20 20l-3.5-3.5'],
  image: ['M4 5h16v14H4z', 'M4 16l5-5 4 4 3-3 4 4', 'M15.5 8.5h.01'],
  audio: ['M3 12h2', 'M7 8v8', 'M11 5v14', 'M15 9v6', 'M19 11v2'],
  video: ['M3 6h13v12H3z', 'M16 10l5-3v10l-5-3'],
  depth: ['M12 3l9 5-9 5-9-5z', 'M3 13l9 5 9-5'],
  thermal: ['M10 4a2 2 0 0 1 4 0v10a4 4 0 1 1-4 0z', 'M12 10v7'],
  imu: ['M3 12h4l2-6 4 12 2-6h6'],
  text: ['M5 6h14', 'M12 6v13', 'M9 19h6'],
  mic: ['M9 5a3 3 0 0 1 6 0v6a3 3 0 0 1-6 0z', 'M5 11a7 7 0 0 0 14 0', 'M12 18v3'],
  stop: ['M7 7h10v10H7z'],
  upload: ['M12 16V4', 'M7 9l5-5 5 5', 'M4 16v4h16v-4'],
  close: ['M6 6l12 12', 'M18 6L6 18'],
  minus: ['M5 12h14'],
  plus: ['M12 5v14', 'M5 12h14'],
  key: ['M8 14a4 4 0 1 1 0-8a4 4 0 0 1 0 8z', 'M11 11l9 0', 'M17 11v3', 'M20 11v2'],
  check: ['M5 12l5 5L20 7'],
  alert: ['M12 3l10 18H2z', 'M12 10v4', 'M12 17h.01'],
  trash: ['M4 7h16', 'M9 7V4h6v3', 'M6 7l1 13h10l1-13'],
  spark: [
    'M12 3v4',
    'M12 17v4',
    'M3 12h4',
    'M17 12h4',
    'M6 6l2.5 2.5',
    'M15.5 15.5L18 18',
    'M6 18l2.5-2.5',
    'M15.5 8.5L18 6',
  ],
  similar: ['M4 4h7v7H4z', 'M13 13h7v7h-7z', 'M14 4h6v6', 'M10 20H4v-6'],
} as const;

export type IconName = keyof typeof PATHS;

export function icon(name: IconName, size = 18): SVGSVGElement {
  return s(
    'svg',
    {
      class: 'icon',
      width: size,
      height: size,
      viewBox: '0 0 24 24',
      fill: 'none',
      stroke: 'currentColor',
      'stroke-width': 2,
      'stroke-linecap': 'round',
      'stroke-linejoin': 'round',
      'aria-hidden': 'true',
      focusable: 'false',
    },
    ...PATHS[name].map((d) => s('path', { d })),
  );
}
