export function curveSvg(_s: unknown, _o?: unknown): string { return '<svg xmlns="http://www.w3.org/2000/svg"/>'; }
