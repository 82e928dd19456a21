/** A PDF's page count, first page size (points) and text, read with Mozilla's pdf.js (no system tool needed). */
export async function pdfFacts(bytes: Uint8Array): Promise<{ pages: number; width: number; height: number; text: string }> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, isEvalSupported: false }).promise;
  try {
    const page = await doc.getPage(1);
    const [x0, y0, x1, y1] = page.view as [number, number, number, number];
    const content = await page.getTextContent();
    const text = content.items.map((i) => ('str' in i ? i.str : '')).join('');
    return { pages: doc.numPages, width: x1 - x0, height: y1 - y0, text };
  } finally {
    await doc.destroy();
  }
}
