import { call, downloadCsv } from '../api';
import { Empty, ErrorNote, PeriodPicker, Table, periodQuery, useLoad } from '../components';
import { int } from '../format';
import { usePeriod } from './figures';

type Top = { data: { product_id: string; tryons: number }[] };

export function Products(props: { tenant: string }) {
  const [period, setPeriod] = usePeriod('30d');
  const q = periodQuery(period);
  const { data, error } = useLoad(() => call<Top>(`/v1/analytics/products?${q}&limit=100`, { tenant: props.tenant }), [props.tenant, q]);
  const total = data?.data.reduce((n, d) => n + d.tryons, 0) ?? 0;
  return (
    <>
      <h1>Products tried on most</h1>
      <div class="toolbar">
        <PeriodPicker value={period} onChange={setPeriod} />
        <button type="button" onClick={() => void downloadCsv(`/v1/analytics/products?${q}&limit=100`, props.tenant, 'products')}>
          Export CSV
        </button>
      </div>
      <ErrorNote error={error} />
      {data && (
        <Table
          label="Products"
          rows={data.data.map((d) => ({ ...d, share: total ? d.tryons / total : 0 }))}
          initialSort={{ key: 'tryons', dir: 'desc' }}
          empty={
            <Empty title="No products tried on in this period">
              Products are counted by the <code>product_id</code> of each garment: set <code>data-product-id</code> on the widget's product elements, or <code>product_id</code> in <code>POST /v1/tryons</code>.
            </Empty>
          }
          columns={[
            { key: 'product_id', label: 'Product' },
            { key: 'tryons', label: 'Try-ons', numeric: true, render: (r) => int(r.tryons) },
            { key: 'share', label: 'Share', numeric: true, render: (r) => `${(r.share * 100).toFixed(1)}%` },
          ]}
        />
      )}
    </>
  );
}
