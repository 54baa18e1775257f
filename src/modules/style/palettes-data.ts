/**
 * The 12 seasons' palettes as data: named colours in English and Spanish (sRGB hex), the metals,
 * and the colours to avoid. Curated from the usual 12-season colour-analysis canon: each season's
 * best colours share its axes (warm or cool, light or deep, clear or soft); its avoid list is what
 * sits on the other side of its strongest axes. palettes.ts adds CIELAB (computed by culori) and
 * palettes.test.ts checks every palette against its season's position, so a wrong hex cannot pass
 * silently.
 */
import type { TSeason12 } from '../../../contracts/style.js';

/** [English, Spanish, #rrggbb] */
export type ColorEntry = readonly [string, string, string];
export type Metal = 'gold' | 'silver' | 'rose_gold' | 'copper' | 'brass' | 'pewter' | 'platinum';

export type PaletteEntry = {
  name: readonly [string, string];
  best: readonly ColorEntry[];
  neutrals: readonly ColorEntry[];
  metals: readonly Metal[];
  avoid: readonly ColorEntry[];
};

// Colours several palettes share, spelled once.
const BLACK: ColorEntry = ['Black', 'Negro', '#000000'];
const PURE_WHITE: ColorEntry = ['Pure white', 'Blanco puro', '#ffffff'];
const CHARCOAL: ColorEntry = ['Charcoal', 'Gris carbón', '#333538'];
const BURGUNDY: ColorEntry = ['Burgundy', 'Borgoña', '#800020'];
const ORANGE: ColorEntry = ['Orange', 'Naranja', '#ff7f00'];
const RUST: ColorEntry = ['Rust', 'Óxido', '#b7410e'];
const MUSTARD: ColorEntry = ['Mustard', 'Mostaza', '#d4a017'];
const OLIVE: ColorEntry = ['Olive', 'Oliva', '#6b6b2a'];
const CAMEL: ColorEntry = ['Camel', 'Camel', '#c19a6b'];
const FUCHSIA: ColorEntry = ['Fuchsia', 'Fucsia', '#e0218a'];
const ICY_BLUE: ColorEntry = ['Icy blue', 'Azul hielo', '#d6ecff'];
const ICY_PINK: ColorEntry = ['Icy pink', 'Rosa hielo', '#f4d9e6'];
const SILVER_GREY: ColorEntry = ['Silver grey', 'Gris plata', '#b8bcc2'];
const LEMON: ColorEntry = ['Lemon yellow', 'Amarillo limón', '#fff44f'];
const PEACH: ColorEntry = ['Peach', 'Melocotón', '#ffcba4'];
const DUSTY_ROSE: ColorEntry = ['Dusty rose', 'Rosa empolvado', '#c4a2a4'];
const MAUVE: ColorEntry = ['Mauve', 'Malva', '#a8879a'];
const KHAKI: ColorEntry = ['Khaki', 'Caqui', '#b4a072'];
const NAVY: ColorEntry = ['Navy', 'Azul marino', '#1b2a4a'];

export const PALETTE_DATA: Readonly<Record<TSeason12, PaletteEntry>> = {
  light_spring: {
    name: ['Light Spring', 'Primavera clara'],
    best: [
      PEACH,
      ['Light coral', 'Coral claro', '#f88379'],
      ['Salmon pink', 'Rosa salmón', '#ff9e8a'],
      ['Apricot', 'Albaricoque', '#fbb77b'],
      ['Buttercup', 'Amarillo mantequilla', '#f9dc6c'],
      ['Lime sherbet', 'Lima suave', '#d4e58a'],
      ['Pistachio', 'Pistacho', '#b8d98a'],
      ['Mint', 'Menta', '#9fe2bf'],
      ['Light aqua', 'Aguamarina clara', '#7fdcd0'],
      ['Light turquoise', 'Turquesa claro', '#5fd0d4'],
      ['Warm sky blue', 'Celeste cálido', '#87c3ea'],
      ['Light periwinkle', 'Pervinca claro', '#9fb1ec'],
      ['Coral pink', 'Rosa coral', '#f7a1a1'],
      ['Camellia', 'Rosa camelia', '#f48fa1'],
    ],
    neutrals: [
      ['Ivory', 'Marfil', '#fff6e0'],
      ['Cream', 'Crema', '#f5e4c3'],
      ['Warm beige', 'Beige cálido', '#e5cfae'],
      ['Light camel', 'Camel claro', '#d9b68a'],
      ['Light warm grey', 'Gris piedra claro', '#c8bfb3'],
      ['Light golden brown', 'Marrón dorado claro', '#a8805a'],
    ],
    metals: ['gold', 'rose_gold'],
    avoid: [
      BLACK,
      CHARCOAL,
      BURGUNDY,
      ['Aubergine', 'Berenjena', '#3d1f3d'],
      ['Dark navy', 'Azul marino oscuro', '#1a2040'],
      ['Dark olive', 'Oliva oscuro', '#4a4a26'],
      ['Ash grey', 'Gris ceniza', '#8e939c'],
    ],
  },
  true_spring: {
    name: ['True Spring', 'Primavera cálida'],
    best: [
      ['Coral', 'Coral', '#ff7f50'],
      ['Tomato red', 'Rojo tomate', '#f2553c'],
      ['Poppy', 'Amapola', '#e84a2f'],
      ['Tangerine', 'Mandarina', '#ff8c2a'],
      ['Marigold', 'Caléndula', '#f6a21e'],
      ['Golden yellow', 'Amarillo dorado', '#ffc629'],
      ['Lime', 'Lima', '#a8d03a'],
      ['Leaf green', 'Verde hoja', '#5fb33a'],
      ['Warm turquoise', 'Turquesa cálido', '#1fb5a8'],
      ['Aqua', 'Aguamarina', '#3fc9c0'],
      ['Fresh green', 'Verde fresco', '#7ac143'],
      ['Salmon', 'Salmón', '#fa8072'],
      ['Warm peach', 'Melocotón cálido', '#ffb07c'],
      ['Bright apricot', 'Albaricoque vivo', '#ffa45c'],
    ],
    neutrals: [
      CAMEL,
      ['Ivory', 'Marfil', '#fff4dc'],
      ['Cream', 'Crema', '#f3e2c0'],
      ['Warm beige', 'Beige cálido', '#dcc3a0'],
      ['Warm taupe', 'Topo cálido', '#a89a87'],
      ['Golden brown', 'Marrón dorado', '#996633'],
    ],
    metals: ['gold', 'brass', 'copper'],
    avoid: [BLACK, CHARCOAL, BURGUNDY, FUCHSIA, MAUVE, ['Blue grey', 'Gris azulado', '#6e7f91'], SILVER_GREY],
  },
  bright_spring: {
    name: ['Bright Spring', 'Primavera brillante'],
    best: [
      ['Bright coral', 'Coral vivo', '#ff5a4a'],
      ['Poppy red', 'Rojo amapola', '#f3322a'],
      ['Watermelon', 'Sandía', '#ff4d6d'],
      ['Mango', 'Mango', '#ffa31a'],
      ['Sunshine yellow', 'Amarillo sol', '#ffd400'],
      ['Chartreuse', 'Lima vivo', '#b5e61d'],
      ['Kelly green', 'Verde kelly', '#1fb34a'],
      ['Bright turquoise', 'Turquesa vivo', '#00c4c4'],
      ['Bright jade', 'Jade vivo', '#00c48c'],
      ['Clear blue', 'Azul vivo', '#1e90ff'],
      ['Bright periwinkle', 'Pervinca vivo', '#6b7cff'],
      ['Bright leaf green', 'Verde brote', '#6cc72e'],
      ['Bright peach', 'Melocotón vivo', '#ff9a5c'],
    ],
    neutrals: [
      ['Warm white', 'Blanco cálido', '#fff8e8'],
      ['Stone', 'Piedra', '#d6c8b0'],
      ['Camel', 'Camel', '#c6995e'],
      ['Light warm grey', 'Gris cálido claro', '#bdb3a6'],
      ['Milk chocolate', 'Chocolate con leche', '#7b5236'],
      ['Clear navy', 'Azul marino vivo', '#1f3a6e'],
    ],
    metals: ['gold', 'rose_gold'],
    avoid: [
      DUSTY_ROSE,
      MAUVE,
      ['Cool taupe', 'Topo frío', '#8b8589'],
      ['Olive drab', 'Oliva apagado', '#6b6b3a'],
      ['Muddy brown', 'Marrón apagado', '#6f5b45'],
      ['Slate grey', 'Gris pizarra', '#708090'],
      ['Faded sage', 'Salvia apagada', '#a7b59a'],
    ],
  },
  light_summer: {
    name: ['Light Summer', 'Verano claro'],
    best: [
      ['Powder blue', 'Azul empolvado', '#b0cfe8'],
      ['Light periwinkle', 'Pervinca claro', '#aab4e8'],
      ['Lavender', 'Lavanda', '#c8b8e6'],
      ['Lilac', 'Lila', '#c9a0dc'],
      ['Soft pink', 'Rosa suave', '#f4c2d2'],
      ['Rose pink', 'Rosa', '#e8a0b8'],
      ['Light raspberry', 'Frambuesa claro', '#e07aa0'],
      ['Cool mint', 'Menta fría', '#a8e0cf'],
      ['Soft aqua', 'Aguamarina suave', '#9fd6dd'],
      ['Soft teal', 'Verde azulado suave', '#6fb3b8'],
      ['Pale lemon', 'Limón pálido', '#f5eea0'],
      ['Cornflower', 'Azul aciano', '#8aa4e0'],
      ['Orchid', 'Orquídea', '#d8a7d0'],
      ['Soft plum', 'Ciruela suave', '#9c7ba5'],
    ],
    neutrals: [
      ['Soft white', 'Blanco suave', '#f7f7f4'],
      ['Light grey', 'Gris claro', '#c9ccd1'],
      ['Dove grey', 'Gris paloma', '#a9abb0'],
      ['Rose beige', 'Beige rosado', '#d9c2bd'],
      ['Greyed taupe', 'Topo grisáceo', '#a99b9b'],
      ['Soft navy', 'Azul marino suave', '#4b5d80'],
    ],
    metals: ['silver', 'platinum', 'rose_gold'],
    avoid: [BLACK, ORANGE, RUST, MUSTARD, OLIVE, ['Chocolate', 'Chocolate', '#4a2c17'], ['Tomato red', 'Rojo tomate', '#e84c2a']],
  },
  true_summer: {
    name: ['True Summer', 'Verano frío'],
    best: [
      ['Rose', 'Rosa', '#d47a96'],
      ['Raspberry', 'Frambuesa', '#b3446c'],
      ['Cool pink', 'Rosa frío', '#e589b0'],
      ['Blue red', 'Rojo azulado', '#b8325a'],
      ['Plum', 'Ciruela', '#8e4585'],
      ['Lavender', 'Lavanda', '#b4a0d8'],
      ['Periwinkle', 'Azul pervinca', '#8c9bd6'],
      ['Cornflower', 'Azul aciano', '#6f8fd0'],
      ['Powder blue', 'Azul empolvado', '#a3c1e0'],
      ['Slate blue', 'Azul pizarra', '#6a7fb0'],
      ['Blue green', 'Verde azulado', '#4f9a9a'],
      ['Cool jade', 'Jade frío', '#5fa89a'],
      ['Soft mint', 'Menta suave', '#98d4c0'],
      ['Orchid', 'Orquídea', '#b57bb0'],
    ],
    neutrals: [
      ['Soft white', 'Blanco suave', '#f4f5f2'],
      ['Blue grey', 'Gris azulado', '#8a97a8'],
      ['Medium grey', 'Gris medio', '#8c8e93'],
      ['Cool taupe', 'Topo frío', '#9a8f8d'],
      ['Rose brown', 'Cacao rosado', '#8a6e6e'],
      ['Navy', 'Azul marino', '#34446b'],
    ],
    metals: ['silver', 'platinum', 'pewter'],
    avoid: [ORANGE, MUSTARD, RUST, OLIVE, CAMEL, ['Golden brown', 'Marrón dorado', '#996633'], BLACK],
  },
  soft_summer: {
    name: ['Soft Summer', 'Verano suave'],
    best: [
      DUSTY_ROSE,
      MAUVE,
      ['Rosewood', 'Palo de rosa', '#a5606d'],
      ['Soft plum', 'Ciruela suave', '#86607a'],
      ['Muted berry', 'Baya apagada', '#8e5a6e'],
      ['Dusty lavender', 'Lavanda grisácea', '#a79bbb'],
      ['Soft steel blue', 'Azul acero suave', '#7a8cab'],
      ['Slate blue', 'Azul pizarra', '#6d7a9c'],
      ['Dusty aqua', 'Aguamarina empolvada', '#8ab0b8'],
      ['Seafoam', 'Verde espuma', '#8fb3ad'],
      ['Sage', 'Verde salvia', '#98a99a'],
      ['Muted teal', 'Verde azulado apagado', '#5e8f8f'],
      ['Spruce', 'Abeto', '#4f6f6a'],
    ],
    neutrals: [
      ['Oyster', 'Ostra', '#e8e4df'],
      ['Pewter grey', 'Gris peltre', '#8f9093'],
      ['Soft charcoal', 'Carbón suave', '#56595e'],
      ['Rose taupe', 'Topo rosado', '#9a8583'],
      ['Cocoa', 'Cacao', '#7b6660'],
      ['Greyed navy', 'Azul marino grisáceo', '#48526a'],
    ],
    metals: ['silver', 'pewter', 'rose_gold'],
    avoid: [BLACK, PURE_WHITE, ['Bright orange', 'Naranja vivo', '#ff7a00'], ['Hot pink', 'Rosa chicle', '#ff1493'], LEMON, ['Kelly green', 'Verde kelly', '#1fb34a'], ['Electric blue', 'Azul eléctrico', '#0050ff']],
  },
  soft_autumn: {
    name: ['Soft Autumn', 'Otoño suave'],
    best: [
      ['Warm sage', 'Salvia cálida', '#9caf88'],
      ['Soft olive', 'Oliva suave', '#808a5a'],
      ['Moss', 'Musgo', '#8a8a5a'],
      ['Muted teal', 'Verde azulado suave', '#5f8a82'],
      ['Dusty jade', 'Jade empolvado', '#6f9a88'],
      ['Warm seafoam', 'Verde espuma cálido', '#8fb5a0'],
      ['Dusty coral', 'Coral empolvado', '#cf8f7e'],
      ['Dusty peach', 'Melocotón empolvado', '#e0a890'],
      ['Soft terracotta', 'Terracota suave', '#c07a5e'],
      ['Cinnamon', 'Canela', '#a9704d'],
      ['Soft mustard', 'Mostaza suave', '#c9a55a'],
      ['Honey', 'Miel', '#d0aa68'],
      ['Warm rosewood', 'Palo de rosa cálido', '#9e6b62'],
    ],
    neutrals: [
      ['Soft cream', 'Crema suave', '#eee3cc'],
      ['Mushroom', 'Champiñón', '#cfc3b2'],
      CAMEL,
      ['Warm grey', 'Gris cálido', '#9a9287'],
      ['Taupe', 'Topo', '#8f7f6c'],
      ['Coffee', 'Café', '#6f5645'],
    ],
    metals: ['gold', 'brass', 'copper'],
    avoid: [BLACK, PURE_WHITE, FUCHSIA, ICY_BLUE, ['Electric blue', 'Azul eléctrico', '#0050ff'], LEMON, ['Bright violet', 'Violeta vivo', '#8a2be2']],
  },
  true_autumn: {
    name: ['True Autumn', 'Otoño cálido'],
    best: [
      RUST,
      ['Burnt orange', 'Naranja tostado', '#cc5500'],
      ['Pumpkin', 'Calabaza', '#d86c1e'],
      MUSTARD,
      ['Goldenrod', 'Vara de oro', '#daa520'],
      ['Marigold', 'Caléndula', '#e8a13a'],
      ['Olive green', 'Verde oliva', '#708238'],
      ['Moss green', 'Verde musgo', '#8a9a5b'],
      ['Forest', 'Verde bosque', '#3e5e34'],
      ['Warm teal', 'Verde azulado cálido', '#2f7f73'],
      ['Terracotta', 'Terracota', '#c2643f'],
      ['Brick red', 'Rojo ladrillo', '#a8432f'],
      ['Paprika', 'Pimentón', '#b5402a'],
      ['Deep peach', 'Melocotón intenso', '#e08a5c'],
    ],
    neutrals: [
      CAMEL,
      ['Cream', 'Crema', '#f2e2c0'],
      ['Warm beige', 'Beige cálido', '#d8c3a0'],
      KHAKI,
      ['Bronze brown', 'Marrón bronce', '#7a5a30'],
      ['Coffee brown', 'Marrón café', '#5c3a21'],
    ],
    metals: ['gold', 'copper', 'brass'],
    avoid: [BLACK, PURE_WHITE, ICY_PINK, FUCHSIA, ['Lavender', 'Lavanda', '#c8b8e6'], ICY_BLUE, SILVER_GREY],
  },
  deep_autumn: {
    name: ['Deep Autumn', 'Otoño profundo'],
    best: [
      ['Oxblood', 'Sangre de buey', '#5c1a1b'],
      ['Mahogany', 'Caoba', '#6a2e1f'],
      ['Paprika', 'Pimentón', '#a33b20'],
      ['Brick', 'Ladrillo', '#8b3a2b'],
      ['Dark terracotta', 'Terracota oscuro', '#9b4a2c'],
      ['Burnt orange', 'Naranja tostado', '#b3501a'],
      ['Dark goldenrod', 'Mostaza oscuro', '#b8860b'],
      ['Tobacco', 'Tabaco', '#7a4b1f'],
      ['Dark olive', 'Oliva oscuro', '#4b5320'],
      ['Forest green', 'Verde bosque', '#2d4a2b'],
      ['Deep teal', 'Verde azulado profundo', '#10494a'],
      ['Petrol', 'Petróleo', '#0f6a6a'],
      ['Warm aubergine', 'Berenjena cálida', '#5a2a3a'],
    ],
    neutrals: [
      ['Dark chocolate', 'Chocolate negro', '#3d2314'],
      ['Coffee', 'Café', '#5c4033'],
      ['Cognac', 'Coñac', '#8a4f26'],
      ['Dark khaki', 'Caqui oscuro', '#5a4e2e'],
      ['Warm charcoal', 'Carbón cálido', '#3b3531'],
      ['Cream', 'Crema', '#efe0c0'],
    ],
    metals: ['gold', 'copper', 'brass'],
    avoid: [
      ['Pastel pink', 'Rosa pastel', '#f8c8dc'],
      ICY_BLUE,
      ['Lavender', 'Lavanda', '#c8b8e6'],
      ['Pastel yellow', 'Amarillo pastel', '#fff5a8'],
      PURE_WHITE,
      SILVER_GREY,
      ['Hot pink', 'Rosa chicle', '#ff1493'],
    ],
  },
  deep_winter: {
    name: ['Deep Winter', 'Invierno profundo'],
    best: [
      ['Ruby', 'Rubí', '#9b111e'],
      ['Blue red', 'Rojo azulado', '#c8102e'],
      BURGUNDY,
      ['Deep plum', 'Ciruela oscuro', '#5a1846'],
      ['Aubergine', 'Berenjena', '#3d0c45'],
      ['Royal purple', 'Púrpura real', '#4b2a7a'],
      ['Deep magenta', 'Magenta oscuro', '#9b1b5a'],
      ['Sapphire', 'Zafiro', '#0f52ba'],
      ['Cobalt', 'Cobalto', '#0047ab'],
      ['Emerald', 'Esmeralda', '#046a38'],
      ['Deep cool teal', 'Verde azulado frío', '#00505a'],
      ['Pine', 'Verde pino', '#0b4f3c'],
      ['Midnight blue', 'Azul medianoche', '#191970'],
    ],
    neutrals: [BLACK, PURE_WHITE, ['Charcoal', 'Gris carbón', '#2f3136'], NAVY, ['Dark cool grey', 'Gris oscuro frío', '#4a4d55'], ['Cool espresso', 'Espresso frío', '#3a3034']],
    metals: ['silver', 'platinum'],
    avoid: [PEACH, ['Apricot', 'Albaricoque', '#fbb77b'], ['Salmon', 'Salmón', '#fa8072'], ['Warm beige', 'Beige cálido', '#dcc3a0'], CAMEL, KHAKI, DUSTY_ROSE],
  },
  true_winter: {
    name: ['True Winter', 'Invierno frío'],
    best: [
      ['Blue red', 'Rojo azulado', '#d0103a'],
      ['Crimson', 'Carmesí', '#dc143c'],
      ['Raspberry', 'Frambuesa', '#b3124d'],
      FUCHSIA,
      ['Magenta', 'Magenta', '#c71585'],
      ['Royal purple', 'Púrpura real', '#6a0dad'],
      ['Blue violet', 'Violeta azulado', '#5a2bb0'],
      ['Royal blue', 'Azul real', '#2848c8'],
      ['Cobalt', 'Cobalto', '#0047ab'],
      ['Sapphire', 'Zafiro', '#0f52ba'],
      ['Emerald', 'Esmeralda', '#009b77'],
      ['Pine green', 'Verde pino', '#01796f'],
      ['Cool teal', 'Verde azulado frío', '#006d8f'],
      ICY_BLUE,
    ],
    neutrals: [BLACK, PURE_WHITE, ['Charcoal', 'Gris carbón', '#36393f'], NAVY, ['Cool grey', 'Gris frío', '#8a8d93'], ['Dark slate', 'Pizarra oscuro', '#3c4450']],
    metals: ['silver', 'platinum'],
    avoid: [ORANGE, PEACH, CAMEL, MUSTARD, ['Golden brown', 'Marrón dorado', '#996633'], OLIVE, RUST],
  },
  bright_winter: {
    name: ['Bright Winter', 'Invierno brillante'],
    best: [
      ['Hot pink', 'Rosa fucsia vivo', '#ff1f8e'],
      ['Magenta', 'Magenta', '#e0007a'],
      ['Cerise', 'Cereza', '#de3163'],
      ['Cherry red', 'Rojo cereza', '#e4002b'],
      LEMON,
      ['Bright emerald', 'Esmeralda viva', '#00a86b'],
      ['Turquoise', 'Turquesa', '#00b5c8'],
      ['Lagoon', 'Laguna', '#00a0a0'],
      ['Electric blue', 'Azul eléctrico', '#0066ff'],
      ['Royal blue', 'Azul real', '#3344ee'],
      ['Cobalt', 'Cobalto', '#0047ab'],
      ['Bright violet', 'Violeta vivo', '#8a2be2'],
      ['Ultraviolet', 'Ultravioleta', '#6a2bf0'],
    ],
    neutrals: [BLACK, PURE_WHITE, CHARCOAL, ['Intense navy', 'Azul marino intenso', '#1a237e'], ['Cool grey', 'Gris frío', '#9b9ea4'], ['Icy grey', 'Gris hielo', '#e6e9ee']],
    metals: ['silver', 'platinum'],
    avoid: [DUSTY_ROSE, MAUVE, CAMEL, KHAKI, ['Olive drab', 'Oliva apagado', '#6b6b3a'], ['Muddy brown', 'Marrón apagado', '#6f5b45'], ['Soft terracotta', 'Terracota suave', '#c07a5e']],
  },
};
