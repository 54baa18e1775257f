/**
 * The 12 seasons' palettes: best colours, neutrals, metals and colours to avoid, named in English
 * and Spanish, with CIELAB (D65) computed by culori. A short starting set (8 best, 4 neutrals, 4 to
 * avoid per season) from common seasonal-colour practice; the fuller stored palettes replace it.
 */
import { converter } from 'culori';
import type { TPalette, TSeason12 } from '../../../contracts/style.js';

type C = [en: string, es: string, hex: string];
type Metal = TPalette['metals'][number];
type Raw = { name: [string, string]; best: C[]; neutrals: C[]; metals: Metal[]; avoid: C[] };

const BLACK: C = ['Black', 'Negro', '#000000'];
const WHITE: C = ['Pure white', 'Blanco puro', '#ffffff'];

const RAW: Record<TSeason12, Raw> = {
  light_spring: {
    name: ['Light Spring', 'Primavera clara'],
    best: [['Peach', 'Melocotón', '#ffc49b'], ['Light coral', 'Coral claro', '#f7937a'], ['Buttercream', 'Amarillo mantequilla', '#f8e08e'], ['Mint', 'Menta', '#a8e4c0'], ['Light aqua', 'Aguamarina clara', '#7fd6d0'], ['Periwinkle', 'Azul pervinca', '#9fb1e8'], ['Warm pink', 'Rosa cálido', '#f7a1a8'], ['Apple green', 'Verde manzana', '#a9d46f']],
    neutrals: [['Ivory', 'Marfil', '#fff4dc'], ['Light camel', 'Camel claro', '#d9b48a'], ['Light warm grey', 'Gris cálido claro', '#c9bfb2'], ['Light navy', 'Azul marino claro', '#4a5d8a']],
    metals: ['gold', 'rose_gold'],
    avoid: [BLACK, ['Burgundy', 'Burdeos', '#800020'], ['Charcoal', 'Gris marengo', '#36454f'], ['Dark olive', 'Oliva oscuro', '#556b2f']],
  },
  true_spring: {
    name: ['True (Warm) Spring', 'Primavera cálida'],
    best: [['Coral', 'Coral', '#ff7f50'], ['Golden yellow', 'Amarillo dorado', '#ffc125'], ['Poppy', 'Amapola', '#e35335'], ['Kelly green', 'Verde Kelly', '#4cbb17'], ['Warm turquoise', 'Turquesa cálido', '#30c5b5'], ['Warm sky blue', 'Azul cielo cálido', '#5aa9e6'], ['Salmon', 'Salmón', '#fa8072'], ['Apricot', 'Albaricoque', '#fbceb1']],
    neutrals: [['Camel', 'Camel', '#c19a6b'], ['Warm ivory', 'Marfil cálido', '#fdf5e2'], ['Golden brown', 'Marrón dorado', '#996515'], ['Warm grey', 'Gris cálido', '#a89f91']],
    metals: ['gold', 'brass', 'copper'],
    avoid: [BLACK, ['Icy grey', 'Gris hielo', '#d6dde4'], ['Fuchsia', 'Fucsia', '#c71585'], ['Dusty mauve', 'Malva empolvado', '#b784a7']],
  },
  bright_spring: {
    name: ['Bright Spring', 'Primavera brillante'],
    best: [['Hot coral', 'Coral intenso', '#ff5a4e'], ['Bright turquoise', 'Turquesa brillante', '#00c4b3'], ['Clear yellow', 'Amarillo limpio', '#ffe135'], ['Bright green', 'Verde brillante', '#00b050'], ['Bright periwinkle', 'Pervinca brillante', '#6f7ff0'], ['Poppy red', 'Rojo amapola', '#e8343a'], ['Hot pink', 'Rosa intenso', '#ff5fa2'], ['Violet', 'Violeta', '#8a4fff']],
    neutrals: [['Warm ivory', 'Marfil cálido', '#fff3d6'], ['Navy', 'Azul marino', '#1f3a70'], ['Chocolate', 'Chocolate', '#5a3a29'], ['Light warm grey', 'Gris cálido claro', '#c7c1b8']],
    metals: ['gold', 'platinum'],
    avoid: [['Dusty rose', 'Rosa empolvado', '#c9a0a0'], ['Muted olive', 'Oliva apagado', '#8b8b5a'], ['Taupe', 'Topo', '#8b7d6b'], ['Soft sage', 'Salvia suave', '#a5b59a']],
  },
  light_summer: {
    name: ['Light Summer', 'Verano claro'],
    best: [['Powder blue', 'Azul empolvado', '#b0d4f1'], ['Soft pink', 'Rosa suave', '#f4b6c6'], ['Lavender', 'Lavanda', '#c3b1e1'], ['Periwinkle', 'Azul pervinca', '#9fa8da'], ['Light aqua', 'Agua clara', '#a5dcd9'], ['Rose pink', 'Rosa', '#e79cb3'], ['Cool mint', 'Menta fría', '#b3e0c6'], ['Light raspberry', 'Frambuesa claro', '#dd7a98']],
    neutrals: [['Soft white', 'Blanco suave', '#f5f5f0'], ['Light grey', 'Gris claro', '#c8c9cc'], ['Blue-grey', 'Gris azulado', '#8a9bb0'], ['Rose beige', 'Beige rosado', '#d8bfb0']],
    metals: ['silver', 'platinum', 'rose_gold'],
    avoid: [BLACK, ['Orange', 'Naranja', '#ff8c00'], ['Rust', 'Óxido', '#b7410e'], ['Mustard', 'Mostaza', '#d4a017']],
  },
  true_summer: {
    name: ['True (Cool) Summer', 'Verano frío'],
    best: [['Cornflower blue', 'Azul aciano', '#6495ed'], ['Watermelon pink', 'Rosa sandía', '#e06c88'], ['Plum', 'Ciruela', '#8e4585'], ['Slate blue', 'Azul pizarra', '#6a7fb5'], ['Cool sea green', 'Verde mar frío', '#5fa8a0'], ['Lavender', 'Lavanda', '#b19cd9'], ['Raspberry', 'Frambuesa', '#b3446c'], ['Soft teal', 'Verde azulado suave', '#4f8f98']],
    neutrals: [['Soft white', 'Blanco suave', '#f2f3f4'], ['Slate navy', 'Azul marino grisáceo', '#3b4a6b'], ['Cool grey', 'Gris frío', '#8c929c'], ['Cocoa', 'Cacao', '#7b5e5a']],
    metals: ['silver', 'platinum', 'pewter'],
    avoid: [['Orange', 'Naranja', '#ff7f00'], ['Golden yellow', 'Amarillo dorado', '#ffc125'], ['Camel', 'Camel', '#c19a6b'], ['Olive', 'Oliva', '#808000']],
  },
  soft_summer: {
    name: ['Soft Summer', 'Verano suave'],
    best: [['Dusty rose', 'Rosa empolvado', '#c9a0a0'], ['Sage', 'Salvia', '#9caf88'], ['Muted teal', 'Verde azulado apagado', '#5f8f8b'], ['Mauve', 'Malva', '#b784a7'], ['Slate blue', 'Azul pizarra', '#6d7f99'], ['Soft raspberry', 'Frambuesa suave', '#b06a80'], ['Denim', 'Azul vaquero', '#6a84a8'], ['Lavender grey', 'Gris lavanda', '#a59cb4']],
    neutrals: [['Off-white', 'Blanco roto', '#eeece6'], ['Taupe', 'Topo', '#8b7d72'], ['Blue charcoal', 'Gris azulado oscuro', '#4a5560'], ['Rose beige', 'Beige rosado', '#cbb2a4']],
    metals: ['pewter', 'silver', 'rose_gold'],
    avoid: [BLACK, ['Bright orange', 'Naranja vivo', '#ff6600'], WHITE, ['Bright yellow', 'Amarillo vivo', '#ffeb00']],
  },
  soft_autumn: {
    name: ['Soft Autumn', 'Otoño suave'],
    best: [['Salmon', 'Salmón', '#e9967a'], ['Moss', 'Musgo', '#8a9a5b'], ['Soft teal', 'Verde azulado suave', '#4f8a83'], ['Soft terracotta', 'Terracota suave', '#c27c5e'], ['Soft mustard', 'Mostaza suave', '#c9a54e'], ['Warm rose', 'Rosa cálido', '#c98a7d'], ['Khaki', 'Caqui', '#b5a77a'], ['Dusty jade', 'Jade empolvado', '#7fa99b']],
    neutrals: [['Oatmeal', 'Avena', '#e0d5c1'], ['Camel', 'Camel', '#c19a6b'], ['Warm taupe', 'Topo cálido', '#9a8470'], ['Soft brown', 'Marrón suave', '#7b5b45']],
    metals: ['gold', 'brass', 'copper'],
    avoid: [BLACK, ['Bright fuchsia', 'Fucsia vivo', '#ff00a0'], ['Icy blue', 'Azul hielo', '#c8e6f5'], WHITE],
  },
  true_autumn: {
    name: ['True (Warm) Autumn', 'Otoño cálido'],
    best: [['Rust', 'Óxido', '#b7410e'], ['Pumpkin', 'Calabaza', '#ff7518'], ['Mustard', 'Mostaza', '#d4a017'], ['Olive', 'Oliva', '#708238'], ['Teal', 'Verde azulado', '#1f7a7a'], ['Tomato red', 'Rojo tomate', '#d2452f'], ['Warm forest green', 'Verde bosque cálido', '#4a6b2f'], ['Golden brown', 'Marrón dorado', '#996515']],
    neutrals: [['Cream', 'Crema', '#f5e6c8'], ['Camel', 'Camel', '#c19a6b'], ['Chocolate', 'Chocolate', '#5c3a21'], ['Olive brown', 'Marrón oliva', '#6b5a2e']],
    metals: ['gold', 'copper', 'brass'],
    avoid: [BLACK, ['Icy pink', 'Rosa hielo', '#f7d7e6'], ['Cool grey', 'Gris frío', '#a0a4ab'], ['Fuchsia', 'Fucsia', '#c71585']],
  },
  deep_autumn: {
    name: ['Deep Autumn', 'Otoño profundo'],
    best: [['Burnt orange', 'Naranja tostado', '#cc5500'], ['Deep teal', 'Verde azulado profundo', '#0f5c5c'], ['Dark olive', 'Oliva oscuro', '#556b2f'], ['Brick red', 'Rojo ladrillo', '#8b2e16'], ['Aubergine', 'Berenjena', '#5b2a45'], ['Dark goldenrod', 'Mostaza oscura', '#b8860b'], ['Deep forest green', 'Verde bosque profundo', '#1f4d2b'], ['Mahogany', 'Caoba', '#7a2e1f']],
    neutrals: [['Dark chocolate', 'Chocolate oscuro', '#3d2314'], ['Coffee', 'Café', '#6f4e37'], ['Warm charcoal', 'Gris carbón cálido', '#3f3a36'], ['Cream', 'Crema', '#f2e3c6']],
    metals: ['gold', 'copper', 'brass'],
    avoid: [['Pastel pink', 'Rosa pastel', '#f8c8dc'], ['Icy blue', 'Azul hielo', '#c8e6f5'], ['Silver grey', 'Gris plata', '#c0c0c0'], ['Lavender', 'Lavanda', '#c3b1e1']],
  },
  deep_winter: {
    name: ['Deep Winter', 'Invierno profundo'],
    best: [['True red', 'Rojo puro', '#c8102e'], ['Emerald', 'Esmeralda', '#009b77'], ['Sapphire', 'Zafiro', '#0f52ba'], ['Dark plum', 'Ciruela oscura', '#5e1f4f'], ['Burgundy', 'Burdeos', '#800020'], ['Deep cool teal', 'Verde azulado oscuro', '#005f6b'], ['Magenta', 'Magenta', '#b0126b'], ['Pine green', 'Verde pino', '#01796f']],
    neutrals: [BLACK, ['Charcoal', 'Gris marengo', '#36454f'], WHITE, ['Navy', 'Azul marino', '#1b2a49']],
    metals: ['silver', 'platinum', 'pewter'],
    avoid: [['Orange', 'Naranja', '#ff8c00'], ['Camel', 'Camel', '#c19a6b'], ['Mustard', 'Mostaza', '#d4a017'], ['Peach', 'Melocotón', '#ffcba4']],
  },
  true_winter: {
    name: ['True (Cool) Winter', 'Invierno frío'],
    best: [['Blue-red', 'Rojo cereza', '#c41e3a'], ['Royal blue', 'Azul real', '#4169e1'], ['Emerald', 'Esmeralda', '#009b77'], ['Magenta', 'Magenta', '#d01c8b'], ['Cobalt', 'Cobalto', '#0047ab'], ['Purple', 'Púrpura', '#6a0dad'], ['Icy blue', 'Azul hielo', '#d6ecf5'], ['Icy pink', 'Rosa hielo', '#f7d7e6']],
    neutrals: [BLACK, WHITE, ['Charcoal grey', 'Gris carbón', '#3c3f46'], ['Navy', 'Azul marino', '#1b2a49']],
    metals: ['silver', 'platinum'],
    avoid: [['Orange', 'Naranja', '#ff8c00'], ['Golden brown', 'Marrón dorado', '#996515'], ['Warm beige', 'Beige cálido', '#d8c3a5'], ['Olive', 'Oliva', '#808000']],
  },
  bright_winter: {
    name: ['Bright Winter', 'Invierno brillante'],
    best: [['Hot pink', 'Rosa fucsia intenso', '#ff1493'], ['Electric blue', 'Azul eléctrico', '#0066ff'], ['Bright emerald', 'Esmeralda brillante', '#00a86b'], ['Lemon yellow', 'Amarillo limón', '#fff44f'], ['True red', 'Rojo vivo', '#e0142e'], ['Bright turquoise', 'Turquesa intenso', '#00ced1'], ['Royal purple', 'Púrpura real', '#7851a9'], ['Cobalt', 'Cobalto', '#0047ab']],
    neutrals: [BLACK, WHITE, ['Charcoal', 'Gris marengo', '#36454f'], ['Deep navy', 'Azul marino intenso', '#000080']],
    metals: ['silver', 'platinum'],
    avoid: [['Dusty rose', 'Rosa empolvado', '#c9a0a0'], ['Camel', 'Camel', '#c19a6b'], ['Muted olive', 'Oliva apagado', '#8b8b5a'], ['Rust', 'Óxido', '#b7410e']],
  },
};

const toLab = converter('lab65');
const r2 = (v: number) => Math.round(v * 100) / 100;
const named = ([en, es, hex]: C) => {
  const lab = toLab(hex)!;
  return { name: { en, es }, hex: hex.toLowerCase(), lab: { l: r2(lab.l), a: r2(lab.a), b: r2(lab.b) } };
};

const PALETTES = new Map<TSeason12, TPalette>(
  (Object.keys(RAW) as TSeason12[]).map((season) => {
    const r = RAW[season];
    return [season, { season, name: { en: r.name[0], es: r.name[1] }, best: r.best.map(named), neutrals: r.neutrals.map(named), metals: r.metals, avoid: r.avoid.map(named) }];
  }),
);

export function paletteFor(season: TSeason12): TPalette {
  return PALETTES.get(season)!;
}
