/**
 * Product lines: mutually exclusive plans of one customer type. List them with their products,
 * create, rename and delete lines, and move products between lines (or out of any line).
 */
import { useState, type FormEvent } from "react";
import type { AdminProjectConfig } from "../../core/admin/admin-project.js";
import type { CustomerType } from "../../core/schemas/common.js";
import { useAdminApp } from "../../react/use-admin-app.js";
import { useProjectConfig } from "../../react/use-project-config.js";
import { configRefusal, idProblem, refusalAt, type ConfigRefusal } from "../config-edit.js";
import { CUSTOMER_TYPE_LABELS, plural } from "../format.js";
import { Badge, Button, Card, Dialog, EmptyState, ErrorNote, Field, Loading, PageHeader, errorMessage, useToast } from "../ui.js";

type Payments = AdminProjectConfig["payments"];

/** The Product lines section. */
export function ProductLinesSection() {
  const config = useProjectConfig({ suspense: false });
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const payments = config.data?.payments;
  const lines = Object.entries(payments?.productLines ?? {});
  const products = Object.entries(payments?.products ?? {});
  const outside = products.filter(([, p]) => !p.productLineId);
  return (
    <>
      <PageHeader
        title="Product lines"
        description="Group products into mutually exclusive plans: a customer owns at most one product of a line. Products outside any line can be bought independently."
        actions={
          <Button variant="primary" onClick={() => setCreating(true)} data-testid="new-product-line">
            New product line
          </Button>
        }
      />
      {config.status === "pending" && <Loading />}
      {config.status === "error" && <ErrorNote error={config.error} retry={() => void config.refetch()} />}
      {payments && (
        <>
          {lines.length === 0 ? (
            <Card>
              <EmptyState title="No product lines yet" action={<Button onClick={() => setCreating(true)}>Create a product line</Button>}>
                Create one to make products of the same kind (Basic, Pro, Premium) exclusive.
              </EmptyState>
            </Card>
          ) : (
            <div className="stack">
              {lines.map(([lineId, line]) => {
                const members = products.filter(([, p]) => p.productLineId === lineId);
                return (
                  <Card
                    key={lineId}
                    testId={`line-${lineId}`}
                    title={
                      <>
                        {line.displayName ?? lineId} <Badge>{CUSTOMER_TYPE_LABELS[line.customerType]}</Badge>
                      </>
                    }
                    actions={
                      <>
                        <Button size="sm" onClick={() => setRenaming(lineId)} data-testid={`rename-line-${lineId}`}>
                          Rename
                        </Button>
                        <Button size="sm" className="danger-text" onClick={() => setDeleting(lineId)} data-testid={`delete-line-${lineId}`}>
                          Delete
                        </Button>
                      </>
                    }
                  >
                    <p className="muted small mono card-subtitle">{lineId}</p>
                    {members.length === 0 ? (
                      <p className="muted">No products in this line. Move products here below.</p>
                    ) : (
                      <ProductMoves payments={payments} products={members} />
                    )}
                  </Card>
                );
              })}
            </div>
          )}
          <Card title="Products outside any line" testId="products-outside">
            {outside.length === 0 ? <p className="muted">Every product is in a line.</p> : <ProductMoves payments={payments} products={outside} />}
          </Card>
        </>
      )}
      {creating && payments && <LineDialog payments={payments} onClose={() => setCreating(false)} />}
      {renaming && payments && <LineDialog payments={payments} lineId={renaming} onClose={() => setRenaming(null)} />}
      {deleting && payments && <DeleteLineDialog payments={payments} lineId={deleting} onClose={() => setDeleting(null)} />}
    </>
  );
}

/** Products with a "Line" select each: choosing another line (or none) moves the product. */
function ProductMoves({ payments, products }: { payments: Payments; products: Array<[string, NonNullable<Payments["products"]>[string]]> }) {
  const admin = useAdminApp();
  const toast = useToast();
  const [busy, setBusy] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const lines = Object.entries(payments.productLines ?? {});
  const move = async (productId: string, lineId: string) => {
    setBusy(productId);
    setErrors((e) => ({ ...e, [productId]: "" }));
    try {
      await admin.updateProjectConfig({ [`payments.products.${productId}.productLineId`]: lineId === "" ? null : lineId });
      const line = lineId === "" ? "no line" : (payments.productLines?.[lineId]?.displayName ?? lineId);
      toast(`Moved ${payments.products?.[productId]?.displayName ?? productId} to ${line}.`);
    } catch (error) {
      const refusal = configRefusal(error, `payments.products.${productId}`);
      setErrors((e) => ({ ...e, [productId]: refusalAt(refusal, "productLineId") ?? refusalAt(refusal, "customerType") ?? [...Object.values(refusal.fields), ...refusal.general].join(" ") }));
    } finally {
      setBusy(null);
    }
  };
  return (
    <ul className="rows">
      {products.map(([productId, product]) => {
        const type = product.customerType ?? "user";
        return (
          <li key={productId} className="row" data-testid={`move-row-${productId}`}>
            <div className="row-main">
              <span className="strong">{product.displayName ?? productId}</span>
              <span className="muted small mono">{productId}</span>
            </div>
            <div className="row-side">
              <label className="inline-label">
                <span className="visually-hidden">Line of {product.displayName ?? productId}</span>
                <select
                  value={product.productLineId ?? ""}
                  disabled={busy === productId}
                  aria-describedby={errors[productId] ? `move-error-${productId}` : undefined}
                  data-testid={`move-${productId}`}
                  onChange={(e) => void move(productId, e.target.value)}
                >
                  <option value="">No line</option>
                  {lines.map(([lineId, line]) => (
                    <option key={lineId} value={lineId} disabled={line.customerType !== type && lineId !== product.productLineId}>
                      {line.displayName ?? lineId}
                      {line.customerType !== type ? ` (${CUSTOMER_TYPE_LABELS[line.customerType].toLowerCase()}s only)` : ""}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            {errors[productId] && (
              <p className="field-error row-error" id={`move-error-${productId}`} role="alert">
                {errors[productId]}
              </p>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** Creates a line, or renames one (`lineId`). */
function LineDialog({ payments, lineId, onClose }: { payments: Payments; lineId?: string; onClose(): void }) {
  const admin = useAdminApp();
  const toast = useToast();
  const existing = lineId ? payments.productLines?.[lineId] : undefined;
  const [id, setId] = useState(lineId ?? "");
  const [name, setName] = useState(existing?.displayName ?? "");
  const [customerType, setCustomerType] = useState<CustomerType>(existing?.customerType ?? "user");
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<ConfigRefusal | null>(null);
  const [idError, setIdError] = useState<string | undefined>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setRefusal(null);
    setIdError(undefined);
    const newId = id.trim();
    if (!lineId) {
      const problem = idProblem(newId, "product line");
      if (problem) return setIdError(problem);
      if (payments.productLines?.[newId]) return setIdError(`A product line with the id "${newId}" exists already.`);
    }
    setBusy(true);
    try {
      if (lineId) await admin.updateProjectConfig({ [`payments.productLines.${lineId}.displayName`]: name.trim() === "" ? null : name.trim() });
      else await admin.updateProjectConfig({ [`payments.productLines.${newId}`]: { ...(name.trim() ? { displayName: name.trim() } : {}), customerType } });
      toast(lineId ? `Renamed to ${name.trim() || lineId}.` : `Created the product line ${name.trim() || newId}.`);
      onClose();
    } catch (error) {
      setRefusal(configRefusal(error, `payments.productLines.${lineId ?? newId}`));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={lineId ? "Rename product line" : "New product line"}
      onClose={onClose}
      testId="line-dialog"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="line-form" variant="primary" busy={busy} data-testid="line-save">
            {lineId ? "Save" : "Create"}
          </Button>
        </>
      }
    >
      <form id="line-form" onSubmit={(e) => void submit(e)} className="form">
        {!lineId && (
          <Field label="ID" hint="Letters, digits, _ and -; used in the config and the API." error={idError ?? refusalAt(refusal, "")}>
            {(props) => <input {...props} value={id} onChange={(e) => setId(e.target.value)} autoComplete="off" spellCheck={false} data-testid="line-id" />}
          </Field>
        )}
        <Field label="Display name" error={refusalAt(refusal, "displayName")}>
          {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} placeholder={lineId ?? "Plans"} data-testid="line-name" />}
        </Field>
        {!lineId && (
          <Field label="Customer type" hint="Only products for this type of customer can join the line." error={refusalAt(refusal, "customerType")}>
            {(props) => (
              <select {...props} value={customerType} onChange={(e) => setCustomerType(e.target.value as CustomerType)} data-testid="line-customer-type">
                <option value="user">Users</option>
                <option value="team">Teams</option>
                <option value="custom">Custom customers</option>
              </select>
            )}
          </Field>
        )}
        {refusal && refusal.general.length > 0 && (
          <p className="form-error pre-line" role="alert">
            {refusal.general.join("\n")}
          </p>
        )}
      </form>
    </Dialog>
  );
}

function DeleteLineDialog({ payments, lineId, onClose }: { payments: Payments; lineId: string; onClose(): void }) {
  const admin = useAdminApp();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const members = Object.entries(payments.products ?? {}).filter(([, p]) => p.productLineId === lineId).map(([id]) => id);
  const name = payments.productLines?.[lineId]?.displayName ?? lineId;
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      // One update: the line goes, and its products leave it (a product may not name a missing line).
      await admin.updateProjectConfig({
        [`payments.productLines.${lineId}`]: null,
        ...Object.fromEntries(members.map((id) => [`payments.products.${id}.productLineId`, null])),
      });
      toast(`Deleted the product line ${name}.`);
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Delete ${name}?`}
      onClose={onClose}
      testId="delete-line-dialog"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="danger" busy={busy} onClick={() => void remove()} data-testid="delete-line-confirm">
            Delete line
          </Button>
        </>
      }
    >
      <p>
        {members.length === 0
          ? "The line has no products."
          : `Its ${plural(members.length, "product")} (${members.join(", ")}) will stay, outside any line. What customers own is not changed.`}
      </p>
      {error && (
        <p className="form-error pre-line" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}
