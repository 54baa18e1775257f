/**
 * Palettes for the 12 seasons (short version: 4 best colours, 2 neutrals, metals, 2 to avoid).
 * The style-match branch owns the full, stored palettes; this file keeps the same signature
 * (`paletteFor(season)`) so that the Gemini adapter can fill `palette` until they merge.
 * Colours are sRGB hex with CIELAB (D65) computed here by culori.
 */
import { converter } from 'culori';
import type { TPalette, TSeason12 } from '../../../contracts/style.js';

type Named = [en: string, es: string, hex: string];
type Entry = { name: [string, string]; best: Named[]; neutrals: Named[]; metals: TPalette['metals']; avoid: Named[] };

const toLab = converter('lab65');
const round = (n: number) => Math.round(n * 100) / 100;
const named = ([en, es, hex]: Named) => {
  const c = toLab(hex)!;
  return { name: { en, es }, hex, lab: { l: round(c.l), a: round(c.a), b: round(c.b) } };
};

const TABLE: Record<TSeason12, Entry> = {
  light_spring: {
    name: ['Light Spring', 'Primavera clara'],
    best: [['Peach', 'Melocotón', '#ffcba4'], ['Light coral', 'Coral claro', '#f88379'], ['Aqua', 'Aguamarina', '#7fdbca'], ['Butter yellow', 'Amarillo mantequilla', '#f9e07f']],
    neutrals: [['Ivory', 'Marfil', '#fffff0'], ['Light camel', 'Camel claro', '#d8b48a']],
    metals: ['gold', 'rose_gold'],
    avoid: [['Black', 'Negro', '#000000'], ['Burgundy', 'Burdeos', '#800020']],
  },
  true_spring: {
    name: ['True Spring', 'Primavera cálida'],
    best: [['Coral', 'Coral', '#ff7f50'], ['Marigold', 'Caléndula', '#f2a900'], ['Warm turquoise', 'Turquesa cálida', '#1fbfb0'], ['Leaf green', 'Verde hoja', '#6aa84f']],
    neutrals: [['Camel', 'Camel', '#c19a6b'], ['Cream', 'Crema', '#fff5dc']],
    metals: ['gold', 'brass'],
    avoid: [['Icy grey', 'Gris hielo', '#d6dde3'], ['Black', 'Negro', '#000000']],
  },
  bright_spring: {
    name: ['Bright Spring', 'Primavera brillante'],
    best: [['Hot coral', 'Coral intenso', '#ff5a4e'], ['Bright turquoise', 'Turquesa brillante', '#00c2c7'], ['Poppy red', 'Rojo amapola', '#e63329'], ['Kelly green', 'Verde kelly', '#4cbb17']],
    neutrals: [['Warm navy', 'Azul marino cálido', '#1f3a68'], ['Ivory', 'Marfil', '#fffff0']],
    metals: ['gold', 'rose_gold'],
    avoid: [['Dusty mauve', 'Malva empolvado', '#b784a7'], ['Muted olive', 'Oliva apagado', '#708238']],
  },
  light_summer: {
    name: ['Light Summer', 'Verano claro'],
    best: [['Powder blue', 'Azul empolvado', '#b0e0e6'], ['Lavender', 'Lavanda', '#c8a2c8'], ['Soft rose', 'Rosa suave', '#f4a6b8'], ['Mint', 'Menta', '#aaf0d1']],
    neutrals: [['Pearl grey', 'Gris perla', '#c0c0c8'], ['Light taupe', 'Topo claro', '#d8cfc4']],
    metals: ['silver', 'platinum'],
    avoid: [['Orange', 'Naranja', '#ff8c00'], ['Black', 'Negro', '#000000']],
  },
  true_summer: {
    name: ['True Summer', 'Verano frío'],
    best: [['Raspberry', 'Frambuesa', '#c2185b'], ['Periwinkle', 'Pervinca', '#8c9cda'], ['Soft teal', 'Verde azulado suave', '#4f9a9a'], ['Rose', 'Rosa palo', '#e8909c']],
    neutrals: [['Blue grey', 'Gris azulado', '#6e7f91'], ['Soft navy', 'Marino suave', '#34495e']],
    metals: ['silver', 'platinum'],
    avoid: [['Orange', 'Naranja', '#ff7f00'], ['Mustard', 'Mostaza', '#e1ad01']],
  },
  soft_summer: {
    name: ['Soft Summer', 'Verano suave'],
    best: [['Dusty rose', 'Rosa empolvado', '#c9a0a3'], ['Sage', 'Salvia', '#9caf88'], ['Slate blue', 'Azul pizarra', '#6a7ba2'], ['Mauve', 'Malva', '#b784a7']],
    neutrals: [['Taupe', 'Topo', '#8b8589'], ['Pewter grey', 'Gris peltre', '#8e9196']],
    metals: ['pewter', 'silver'],
    avoid: [['Bright orange', 'Naranja vivo', '#ff6a00'], ['Pure white', 'Blanco puro', '#ffffff']],
  },
  soft_autumn: {
    name: ['Soft Autumn', 'Otoño suave'],
    best: [['Salmon', 'Salmón', '#e8a087'], ['Moss green', 'Verde musgo', '#8a9a5b'], ['Muted teal', 'Turquesa apagado', '#5f9ea0'], ['Honey', 'Miel', '#c8a165']],
    neutrals: [['Mushroom', 'Champiñón', '#a89a8a'], ['Sand', 'Arena', '#c2b280']],
    metals: ['gold', 'brass'],
    avoid: [['Black', 'Negro', '#000000'], ['Fuchsia', 'Fucsia', '#ff00ff']],
  },
  true_autumn: {
    name: ['True Autumn', 'Otoño cálido'],
    best: [['Pumpkin', 'Calabaza', '#d9731e'], ['Olive', 'Oliva', '#808000'], ['Mustard', 'Mostaza', '#d4a017'], ['Rust', 'Óxido', '#b7410e']],
    neutrals: [['Chocolate', 'Chocolate', '#5c3a21'], ['Camel', 'Camel', '#c19a6b']],
    metals: ['gold', 'copper', 'brass'],
    avoid: [['Icy pink', 'Rosa hielo', '#f7cfe0'], ['Cobalt', 'Cobalto', '#0047ab']],
  },
  deep_autumn: {
    name: ['Deep Autumn', 'Otoño profundo'],
    best: [['Sienna', 'Siena', '#a0522d'], ['Forest green', 'Verde bosque', '#355e3b'], ['Petrol', 'Petróleo', '#1f5f5b'], ['Dark goldenrod', 'Mostaza oscura', '#b8860b']],
    neutrals: [['Dark coffee', 'Café oscuro', '#4b3621'], ['Dark olive', 'Oliva oscuro', '#556b2f']],
    metals: ['gold', 'copper'],
    avoid: [['Pastel pink', 'Rosa pastel', '#ffd1dc'], ['Cool light grey', 'Gris claro frío', '#d3d8de']],
  },
  deep_winter: {
    name: ['Deep Winter', 'Invierno profundo'],
    best: [['Cherry red', 'Rojo cereza', '#990f1f'], ['Emerald', 'Esmeralda', '#00815a'], ['Royal blue', 'Azul real', '#1d3fa0'], ['Plum', 'Ciruela', '#5b1a5e']],
    neutrals: [['Black', 'Negro', '#000000'], ['Charcoal', 'Gris carbón', '#36454f']],
    metals: ['silver', 'platinum'],
    avoid: [['Peach', 'Melocotón', '#ffcba4'], ['Golden beige', 'Beige dorado', '#d8b78e']],
  },
  true_winter: {
    name: ['True Winter', 'Invierno frío'],
    best: [['True red', 'Rojo puro', '#d0021b'], ['Magenta', 'Magenta', '#d5006d'], ['Cobalt', 'Azul cobalto', '#0047ab'], ['Pine green', 'Verde pino', '#01796f']],
    neutrals: [['Pure white', 'Blanco puro', '#ffffff'], ['Black', 'Negro', '#000000']],
    metals: ['silver', 'platinum'],
    avoid: [['Camel', 'Camel', '#c19a6b'], ['Pumpkin', 'Calabaza', '#d9731e']],
  },
  bright_winter: {
    name: ['Bright Winter', 'Invierno brillante'],
    best: [['Shocking pink', 'Rosa intenso', '#ff1493'], ['Electric blue', 'Azul eléctrico', '#0066ff'], ['Emerald', 'Esmeralda', '#00a86b'], ['Icy turquoise', 'Turquesa hielo', '#00ced1']],
    neutrals: [['Black', 'Negro', '#000000'], ['Pure white', 'Blanco puro', '#ffffff']],
    metals: ['silver', 'platinum'],
    avoid: [['Khaki', 'Caqui', '#a39066'], ['Dusty mauve', 'Malva empolvado', '#b784a7']],
  },
};

const PALETTES = Object.fromEntries(
  Object.entries(TABLE).map(([season, e]) => [
    season,
    { season, name: { en: e.name[0], es: e.name[1] }, best: e.best.map(named), neutrals: e.neutrals.map(named), metals: e.metals, avoid: e.avoid.map(named) },
  ]),
) as Record<TSeason12, TPalette>;

/** The palette of a season (a fresh copy: callers may attach it to an answer and change it). */
export function paletteFor(season: TSeason12): TPalette {
  return structuredClone(PALETTES[season]);
}
