/**
 * Products & items: the products customers buy (prices in currencies, one-time or recurring,
 * free trials, included items with quantity, repeat and expiry, stackable, server-only, product
 * line) and the items they include. Every change is one `updateConfig` of the project; what the
 * emulator's config schema refuses is shown next to the field it names.
 */
import { useState, type FormEvent } from "react";
import * as z from "zod/mini";
import type { AdminProjectConfig } from "../../core/admin/admin-project.js";
import type { CustomerType } from "../../core/schemas/common.js";
import { configPriceSchema, type ConfigProduct } from "../../core/schemas/config.js";
import { useAdminApp } from "../../react/use-admin-app.js";
import { useProjectConfig } from "../../react/use-project-config.js";
import {
  CURRENCIES,
  configRefusal,
  draftOf,
  idProblem,
  INTERVAL_UNITS,
  newIncludedItem,
  newPrice,
  newProductDraft,
  productConfigOf,
  refusalAt,
  type ConfigRefusal,
  type Currency,
  type IncludedItemDraft,
  type PriceDraft,
  type ProductDraft,
} from "../config-edit.js";
import { CUSTOMER_TYPE_LABELS, formatDuration, formatInterval, formatMoney } from "../format.js";
import { Badge, Button, Card, Dialog, EmptyState, ErrorNote, Field, Loading, PageHeader, errorMessage, useToast } from "../ui.js";

type Payments = AdminProjectConfig["payments"];

/** A price in words: `$5.00 one-time`, `$20.00 every month · 7 days free`. */
export function describePrice(price: NonNullable<Exclude<ConfigProduct["prices"], "include-by-default">>[string]): string {
  const amounts = CURRENCIES.filter((c) => price[c] !== undefined).map((c) => formatMoney(price[c]!, c));
  const trial = price.freeTrial ? ` · ${formatDuration(price.freeTrial)} free` : "";
  return `${amounts.join(" / ") || "No amount"} ${formatInterval(price.interval)}${trial}`;
}

/** The Products & items section. */
export function ProductsSection() {
  const config = useProjectConfig({ suspense: false });
  const [editing, setEditing] = useState<{ id: string | null } | null>(null);
  const [editingItem, setEditingItem] = useState<{ id: string | null } | null>(null);
  const payments = config.data?.payments;
  const products = Object.entries(payments?.products ?? {});
  const items = Object.entries(payments?.items ?? {});
  return (
    <>
      <PageHeader
        title="Products & items"
        description="Products are what customers buy: prices, billing and the items they include. Items are what products grant, counted per customer (credits, seats)."
        actions={
          <>
            <Button onClick={() => setEditingItem({ id: null })} data-testid="new-item">
              New item
            </Button>
            <Button variant="primary" onClick={() => setEditing({ id: null })} data-testid="new-product">
              New product
            </Button>
          </>
        }
      />
      {config.status === "pending" && <Loading />}
      {config.status === "error" && <ErrorNote error={config.error} retry={() => void config.refetch()} />}
      {payments && (
        <div className="stack">
          <Card title="Products" testId="products-card">
            {products.length === 0 ? (
              <EmptyState title="No products yet" action={<Button onClick={() => setEditing({ id: null })}>Create a product</Button>}>
                A product has a price (one-time or recurring) and the items a purchase includes.
              </EmptyState>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th>Product</th>
                      <th className="hide-sm">Customer</th>
                      <th>Price</th>
                      <th className="hide-md">Includes</th>
                      <th className="hide-md">Line</th>
                      <th>
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {products.map(([id, product]) => (
                      <tr key={id} data-testid={`product-row-${id}`}>
                        <td>
                          <div className="strong">{product.displayName ?? id}</div>
                          <div className="muted small mono">{id}</div>
                          <div className="chips">
                            {product.stackable && <Badge tone="blue">Stackable</Badge>}
                            {product.serverOnly && <Badge tone="violet">Server only</Badge>}
                          </div>
                        </td>
                        <td className="hide-sm">{CUSTOMER_TYPE_LABELS[product.customerType ?? "user"]}</td>
                        <td>
                          {product.prices === "include-by-default" ? (
                            <span className="muted">Included by default (legacy)</span>
                          ) : (
                            Object.entries(product.prices ?? {}).map(([priceId, price]) => (
                              <div key={priceId} className="small">
                                {describePrice(price)}
                              </div>
                            ))
                          )}
                        </td>
                        <td className="hide-md small">
                          {Object.entries(product.includedItems ?? {}).map(([itemId, inc]) => (
                            <div key={itemId}>
                              {inc.quantity ?? 0} × {payments.items?.[itemId]?.displayName ?? itemId}
                              {Array.isArray(inc.repeat) ? `, ${formatInterval(inc.repeat)}` : ""}
                            </div>
                          ))}
                        </td>
                        <td className="hide-md">{product.productLineId ? (payments.productLines?.[product.productLineId]?.displayName ?? product.productLineId) : <span className="muted">—</span>}</td>
                        <td className="cell-actions">
                          <Button size="sm" onClick={() => setEditing({ id })} data-testid={`edit-product-${id}`}>
                            Edit
                          </Button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
          <Card title="Items" testId="items-card">
            {items.length === 0 ? (
              <EmptyState title="No items yet" action={<Button onClick={() => setEditingItem({ id: null })}>Create an item</Button>}>
                Items are counted per customer: credits, seats, API calls.
              </EmptyState>
            ) : (
              <ul className="rows">
                {items.map(([id, item]) => (
                  <li key={id} className="row" data-testid={`item-row-${id}`}>
                    <div className="row-main">
                      <span className="strong">{item.displayName ?? id}</span>
                      <span className="muted small mono">{id}</span>
                    </div>
                    <div className="row-side">
                      <Badge>{CUSTOMER_TYPE_LABELS[item.customerType ?? "user"]}</Badge>
                      <Button size="sm" onClick={() => setEditingItem({ id })} data-testid={`edit-item-${id}`}>
                        Edit
                      </Button>
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      )}
      {editing && payments && <ProductEditor payments={payments} productId={editing.id} onClose={() => setEditing(null)} />}
      {editingItem && payments && <ItemEditor payments={payments} itemId={editingItem.id} onClose={() => setEditingItem(null)} />}
    </>
  );
}

/** Why each amount of a price is refused, by the config schema (pinpoints a refusal of `prices` as a whole). */
function amountProblems(price: PriceDraft): Partial<Record<Currency, string>> {
  const out: Partial<Record<Currency, string>> = {};
  for (const { currency, amount } of price.amounts) {
    if (amount.trim() === "") continue;
    if (!z.safeParse(configPriceSchema, { [currency]: amount.trim() }).success) out[currency] = `"${amount.trim()}" is not an amount: digits with at most 2 decimals and no leading zeros, like 5 or 9.99.`;
  }
  return out;
}

function ProductEditor({ payments, productId, onClose }: { payments: Payments; productId: string | null; onClose(): void }) {
  const admin = useAdminApp();
  const toast = useToast();
  const [draft, setDraft] = useState<ProductDraft>(() => (productId ? draftOf(productId, payments.products![productId]!) : newProductDraft()));
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<ConfigRefusal | null>(null);
  const [idError, setIdError] = useState<string | undefined>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const set = (patch: Partial<ProductDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const setPrice = (key: number, patch: Partial<PriceDraft>) => set({ prices: draft.prices.map((p) => (p.key === key ? { ...p, ...patch } : p)) });
  const setIncluded = (key: number, patch: Partial<IncludedItemDraft>) => set({ includedItems: draft.includedItems.map((i) => (i.key === key ? { ...i, ...patch } : i)) });
  const lines = Object.entries(payments.productLines ?? {}).filter(([, l]) => l.customerType === draft.customerType);
  const items = Object.entries(payments.items ?? {});
  const id = productId ?? draft.id.trim();
  const prefix = `payments.products.${id}`;
  // The price list refused as a whole (a bad price id or shape): amounts are then checked here.
  const pricesRefused = refusal?.fields.prices;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setRefusal(null);
    setIdError(undefined);
    if (!productId) {
      const problem = idProblem(id, "product");
      if (problem) return setIdError(problem);
      if (payments.products?.[id]) return setIdError(`A product with the id "${id}" exists already.`);
    }
    for (const p of draft.prices) {
      const problem = idProblem(p.id.trim(), "price");
      if (problem) return setRefusal({ fields: { [`prices.${p.key}`]: problem }, general: [] });
    }
    setBusy(true);
    try {
      await admin.updateProjectConfig({ [prefix]: productConfigOf(draft) });
      toast(productId ? `Saved ${draft.displayName.trim() || id}.` : `Created ${draft.displayName.trim() || id}.`);
      onClose();
    } catch (error) {
      setRefusal(configRefusal(error, prefix));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    try {
      await admin.updateProjectConfig({ [prefix]: null });
      toast(`Deleted ${draft.displayName.trim() || id}.`);
      onClose();
    } catch (error) {
      setRefusal({ fields: {}, general: [errorMessage(error)] });
      setConfirmDelete(false);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      wide
      title={productId ? `Edit ${payments.products?.[productId]?.displayName ?? productId}` : "New product"}
      description={productId ? <span className="mono">{productId}</span> : "Saved to the project's config; apps see it at once."}
      onClose={onClose}
      testId="product-dialog"
      footer={
        <>
          {productId &&
            (confirmDelete ? (
              <Button variant="danger" busy={busy} onClick={() => void remove()} data-testid="product-delete-confirm">
                Delete for good
              </Button>
            ) : (
              <Button variant="ghost" className="danger-text" onClick={() => setConfirmDelete(true)} data-testid="product-delete">
                Delete product
              </Button>
            ))}
          <span className="spacer" />
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="product-form" variant="primary" busy={busy} data-testid="product-save">
            {productId ? "Save product" : "Create product"}
          </Button>
        </>
      }
    >
      <form id="product-form" className="form" onSubmit={(e) => void submit(e)} noValidate>
        <div className="grid-2">
          {!productId && (
            <Field label="ID" hint="Used by apps: createCheckoutUrl({ productId })." error={idError ?? refusalAt(refusal, "")}>
              {(props) => <input {...props} value={draft.id} onChange={(e) => set({ id: e.target.value })} autoComplete="off" spellCheck={false} placeholder="pro_monthly" data-testid="product-id" />}
            </Field>
          )}
          <Field label="Display name" error={refusalAt(refusal, "displayName")}>
            {(props) => <input {...props} value={draft.displayName} onChange={(e) => set({ displayName: e.target.value })} placeholder={id || "Pro"} data-testid="product-name" />}
          </Field>
          <Field label="Customer type" error={refusalAt(refusal, "customerType")}>
            {(props) => (
              <select
                {...props}
                value={draft.customerType}
                data-testid="product-customer-type"
                onChange={(e) => {
                  const customerType = e.target.value as CustomerType;
                  // A line holds one customer type: leave it if it does not match.
                  const line = payments.productLines?.[draft.productLineId];
                  set({ customerType, productLineId: line && line.customerType !== customerType ? "" : draft.productLineId });
                }}
              >
                <option value="user">Users</option>
                <option value="team">Teams</option>
                <option value="custom">Custom customers</option>
              </select>
            )}
          </Field>
          <Field label="Product line" hint={lines.length === 0 ? `No line for ${CUSTOMER_TYPE_LABELS[draft.customerType].toLowerCase()}s yet.` : "Products of one line are exclusive."} error={refusalAt(refusal, "productLineId")}>
            {(props) => (
              <select {...props} value={draft.productLineId} onChange={(e) => set({ productLineId: e.target.value })} data-testid="product-line">
                <option value="">No line</option>
                {lines.map(([lineId, line]) => (
                  <option key={lineId} value={lineId}>
                    {line.displayName ?? lineId}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div className="checks">
          <label className="check">
            <input type="checkbox" checked={draft.stackable} onChange={(e) => set({ stackable: e.target.checked })} data-testid="product-stackable" />
            <span>
              <span className="strong">Stackable</span>
              <span className="muted small block">Can be bought again and in quantities (credit packs).</span>
            </span>
          </label>
          <label className="check">
            <input type="checkbox" checked={draft.serverOnly} onChange={(e) => set({ serverOnly: e.target.checked })} data-testid="product-server-only" />
            <span>
              <span className="strong">Server only</span>
              <span className="muted small block">Hidden from clients; only your server can sell or grant it.</span>
            </span>
          </label>
        </div>

        <fieldset className="fieldset">
          <legend>Prices</legend>
          {pricesRefused && (
            <p className="field-error" role="alert" data-testid="prices-error">
              {pricesRefused}
            </p>
          )}
          {draft.includeByDefault ? (
            <p className="muted">
              This legacy product is included by default and has no prices.{" "}
              <Button size="sm" onClick={() => set({ includeByDefault: false, prices: [newPrice()] })}>
                Give it a price
              </Button>
            </p>
          ) : (
            <>
              {draft.prices.length === 0 && <p className="muted">No price: the product can only be granted.</p>}
              {draft.prices.map((price, index) => (
                <PriceEditor
                  key={price.key}
                  price={price}
                  index={index}
                  refusal={refusal}
                  amountErrors={refusal ? amountProblems(price) : {}}
                  onChange={(patch) => setPrice(price.key, patch)}
                  onRemove={() => set({ prices: draft.prices.filter((p) => p.key !== price.key) })}
                />
              ))}
              <Button size="sm" onClick={() => set({ prices: [...draft.prices, newPrice(draft.prices.length === 0 ? "default" : `price_${draft.prices.length + 1}`)] })} data-testid="add-price">
                Add price
              </Button>
            </>
          )}
        </fieldset>

        <fieldset className="fieldset">
          <legend>Included items</legend>
          {draft.includedItems.length === 0 && <p className="muted">A purchase grants no items.</p>}
          {draft.includedItems.map((included, index) => (
            <div key={included.key} className="subform" data-testid={`included-${index}`}>
              <div className="grid-4">
                <Field label="Item" error={refusal?.fields[`includedItems.${included.itemId.trim()}`]}>
                  {(props) => (
                    <select {...props} value={included.itemId} onChange={(e) => setIncluded(included.key, { itemId: e.target.value })} data-testid={`included-item-${index}`}>
                      <option value="">Choose an item</option>
                      {items.map(([itemId, item]) => (
                        <option key={itemId} value={itemId}>
                          {item.displayName ?? itemId}
                          {(item.customerType ?? "user") !== draft.customerType ? ` (${CUSTOMER_TYPE_LABELS[item.customerType ?? "user"].toLowerCase()} item)` : ""}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <Field label="Quantity" error={refusalAt(refusal, `includedItems.${included.itemId.trim()}.quantity`)}>
                  {(props) => <input {...props} inputMode="numeric" value={included.quantity} onChange={(e) => setIncluded(included.key, { quantity: e.target.value })} data-testid={`included-quantity-${index}`} />}
                </Field>
                <Field label="Repeats" error={refusalAt(refusal, `includedItems.${included.itemId.trim()}.repeat`)}>
                  {(props) => (
                    <div className="inline">
                      <select {...props} value={included.repeats ? "every" : "never"} onChange={(e) => setIncluded(included.key, { repeats: e.target.value === "every" })} data-testid={`included-repeat-${index}`}>
                        <option value="never">Never</option>
                        <option value="every">Every…</option>
                      </select>
                      {included.repeats && (
                        <IntervalInputs count={included.repeatCount} unit={included.repeatUnit} label="Repeat every" onChange={(count, unit) => setIncluded(included.key, { repeatCount: count, repeatUnit: unit })} />
                      )}
                    </div>
                  )}
                </Field>
                <Field label="Expires" error={refusalAt(refusal, `includedItems.${included.itemId.trim()}.expires`)}>
                  {(props) => (
                    <select {...props} value={included.expires} onChange={(e) => setIncluded(included.key, { expires: e.target.value as IncludedItemDraft["expires"] })} data-testid={`included-expires-${index}`}>
                      <option value="never">Never</option>
                      <option value="when-repeated">When repeated</option>
                      <option value="when-purchase-expires">When the purchase ends</option>
                    </select>
                  )}
                </Field>
              </div>
              <Button size="sm" variant="ghost" onClick={() => set({ includedItems: draft.includedItems.filter((i) => i.key !== included.key) })}>
                Remove item
              </Button>
            </div>
          ))}
          <Button size="sm" onClick={() => set({ includedItems: [...draft.includedItems, newIncludedItem(items.find(([, i]) => (i.customerType ?? "user") === draft.customerType)?.[0] ?? "")] })} data-testid="add-included-item">
            Add included item
          </Button>
        </fieldset>
        {refusal && refusal.general.length > 0 && (
          <p className="form-error pre-line" role="alert" data-testid="product-error">
            {refusal.general.join("\n")}
          </p>
        )}
      </form>
    </Dialog>
  );
}

function IntervalInputs({ count, unit, label, onChange }: { count: string; unit: (typeof INTERVAL_UNITS)[number]; label: string; onChange(count: string, unit: (typeof INTERVAL_UNITS)[number]): void }) {
  return (
    <span className="inline">
      <input aria-label={`${label}: count`} className="input-narrow" inputMode="numeric" value={count} onChange={(e) => onChange(e.target.value, unit)} />
      <select aria-label={`${label}: unit`} value={unit} onChange={(e) => onChange(count, e.target.value as (typeof INTERVAL_UNITS)[number])}>
        {INTERVAL_UNITS.map((u) => (
          <option key={u} value={u}>
            {u}
            {count.trim() === "1" ? "" : "s"}
          </option>
        ))}
      </select>
    </span>
  );
}

function PriceEditor({
  price,
  index,
  refusal,
  amountErrors,
  onChange,
  onRemove,
}: {
  price: PriceDraft;
  index: number;
  refusal: ConfigRefusal | null;
  amountErrors: Partial<Record<Currency, string>>;
  onChange(patch: Partial<PriceDraft>): void;
  onRemove(): void;
}) {
  const path = `prices.${price.id.trim()}`;
  const unused = CURRENCIES.filter((c) => !price.amounts.some((a) => a.currency === c));
  return (
    <div className="subform" data-testid={`price-${index}`}>
      <div className="grid-2">
        <Field label="Price ID" error={refusal?.fields[`prices.${price.key}`]}>
          {(props) => <input {...props} value={price.id} onChange={(e) => onChange({ id: e.target.value })} autoComplete="off" spellCheck={false} data-testid={`price-id-${index}`} />}
        </Field>
        <Field label="Billing" error={refusalAt(refusal, `${path}.interval`)}>
          {(props) => (
            <div className="inline">
              <select {...props} value={price.recurring ? "recurring" : "once"} onChange={(e) => onChange({ recurring: e.target.value === "recurring" })} data-testid={`price-billing-${index}`}>
                <option value="once">One-time</option>
                <option value="recurring">Recurring, every…</option>
              </select>
              {price.recurring && <IntervalInputs count={price.intervalCount} unit={price.intervalUnit} label="Bill every" onChange={(c, u) => onChange({ intervalCount: c, intervalUnit: u })} />}
            </div>
          )}
        </Field>
      </div>
      <div className="amounts">
        {price.amounts.map((a, i) => (
          <Field
            key={a.currency}
            label={`Amount (${a.currency})`}
            className="amount-field"
            error={[refusalAt(refusal, `${path}.${a.currency}`), amountErrors[a.currency]].filter(Boolean).join("\n") || undefined}
          >
            {(props) => (
              <div className="inline">
                <input
                  {...props}
                  inputMode="decimal"
                  value={a.amount}
                  placeholder={a.currency === "JPY" ? "500" : "9.99"}
                  data-testid={`price-amount-${index}-${a.currency}`}
                  onChange={(e) => onChange({ amounts: price.amounts.map((x, j) => (j === i ? { ...x, amount: e.target.value } : x)) })}
                />
                {price.amounts.length > 1 && (
                  <Button size="sm" variant="ghost" aria-label={`Remove ${a.currency}`} onClick={() => onChange({ amounts: price.amounts.filter((_, j) => j !== i) })}>
                    ×
                  </Button>
                )}
              </div>
            )}
          </Field>
        ))}
        {unused.length > 0 && (
          <label className="inline-label add-currency">
            <span className="small muted">Add currency</span>
            <select value="" onChange={(e) => e.target.value && onChange({ amounts: [...price.amounts, { currency: e.target.value as Currency, amount: "" }] })} data-testid={`price-add-currency-${index}`}>
              <option value="">—</option>
              {unused.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <div className="inline wrap">
        <label className="check">
          <input type="checkbox" checked={price.trial} onChange={(e) => onChange({ trial: e.target.checked })} data-testid={`price-trial-${index}`} />
          <span>Free trial</span>
        </label>
        {price.trial && <IntervalInputs count={price.trialCount} unit={price.trialUnit} label="Free trial" onChange={(c, u) => onChange({ trialCount: c, trialUnit: u })} />}
        {refusalAt(refusal, `${path}.freeTrial`) && <span className="field-error">{refusalAt(refusal, `${path}.freeTrial`)}</span>}
        <label className="check">
          <input type="checkbox" checked={price.serverOnly} onChange={(e) => onChange({ serverOnly: e.target.checked })} />
          <span>Server only</span>
        </label>
        <span className="spacer" />
        <Button size="sm" variant="ghost" onClick={onRemove}>
          Remove price
        </Button>
      </div>
    </div>
  );
}

function ItemEditor({ payments, itemId, onClose }: { payments: Payments; itemId: string | null; onClose(): void }) {
  const admin = useAdminApp();
  const toast = useToast();
  const existing = itemId ? payments.items?.[itemId] : undefined;
  const [id, setId] = useState(itemId ?? "");
  const [name, setName] = useState(existing?.displayName ?? "");
  const [customerType, setCustomerType] = useState<CustomerType>(existing?.customerType ?? "user");
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<ConfigRefusal | null>(null);
  const [idError, setIdError] = useState<string | undefined>();
  const target = itemId ?? id.trim();
  const usedBy = Object.entries(payments.products ?? {}).filter(([, p]) => itemId !== null && p.includedItems?.[itemId] !== undefined).map(([pid]) => pid);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setRefusal(null);
    setIdError(undefined);
    if (!itemId) {
      const problem = idProblem(target, "item");
      if (problem) return setIdError(problem);
      if (payments.items?.[target]) return setIdError(`An item with the id "${target}" exists already.`);
    }
    setBusy(true);
    try {
      await admin.updateProjectConfig({ [`payments.items.${target}`]: { ...(name.trim() ? { displayName: name.trim() } : {}), customerType } });
      toast(itemId ? `Saved ${name.trim() || target}.` : `Created the item ${name.trim() || target}.`);
      onClose();
    } catch (error) {
      setRefusal(configRefusal(error, `payments.items.${target}`));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    try {
      await admin.updateProjectConfig({ [`payments.items.${target}`]: null });
      toast(`Deleted the item ${name.trim() || target}.`);
      onClose();
    } catch (error) {
      setRefusal({ fields: {}, general: [errorMessage(error)] });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={itemId ? `Edit ${existing?.displayName ?? itemId}` : "New item"}
      onClose={onClose}
      testId="item-dialog"
      footer={
        <>
          {itemId && (
            <Button variant="ghost" className="danger-text" disabled={usedBy.length > 0} title={usedBy.length > 0 ? `Included in ${usedBy.join(", ")}` : undefined} onClick={() => void remove()}>
              Delete item
            </Button>
          )}
          <span className="spacer" />
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="item-form" variant="primary" busy={busy} data-testid="item-save">
            {itemId ? "Save item" : "Create item"}
          </Button>
        </>
      }
    >
      <form id="item-form" className="form" onSubmit={(e) => void submit(e)}>
        {!itemId && (
          <Field label="ID" hint="Used by apps: getItem(\u0022credits\u0022)." error={idError ?? refusalAt(refusal, "")}>
            {(props) => <input {...props} value={id} onChange={(e) => setId(e.target.value)} autoComplete="off" spellCheck={false} placeholder="credits" data-testid="item-id" />}
          </Field>
        )}
        <Field label="Display name" error={refusalAt(refusal, "displayName")}>
          {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} placeholder={target || "Credits"} data-testid="item-name" />}
        </Field>
        <Field label="Customer type" hint="Which customers hold it." error={refusalAt(refusal, "customerType")}>
          {(props) => (
            <select {...props} value={customerType} onChange={(e) => setCustomerType(e.target.value as CustomerType)} data-testid="item-customer-type">
              <option value="user">Users</option>
              <option value="team">Teams</option>
              <option value="custom">Custom customers</option>
            </select>
          )}
        </Field>
        {usedBy.length > 0 && <p className="muted small">Included in {usedBy.join(", ")}: remove it from those products before deleting it.</p>}
        {refusal && refusal.general.length > 0 && (
          <p className="form-error pre-line" role="alert">
            {refusal.general.join("\n")}
          </p>
        )}
      </form>
    </Dialog>
  );
}
