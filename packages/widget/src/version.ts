declare const __PROBADOR_WIDGET_VERSION__: string;

/** The widget's version: the server's it was built with (packages/widget/package.json, kept equal by build.mjs). */
export const VERSION: string = __PROBADOR_WIDGET_VERSION__;
