// Fuel for bulk memory operations. The fuel counter ticks once per function entry and loop
// iteration, but a single `memory.fill` or `memory.copy` can touch the whole linear memory (tens of
// MiB, milliseconds) for one tick, so a loop of them would spend seconds on a small budget. This
// pass rewrites the `size` operand of every `memory.fill`, `memory.copy` and `memory.init` into a
// call that charges one unit of fuel per 64 bytes (about what a counted loop iteration costs) and
// returns the size unchanged; the call is inlined afterwards like the tick itself.

import type binaryenModule from 'binaryen';

type Binaryen = typeof binaryenModule;
type Module = InstanceType<Binaryen['Module']>;
type ExpressionRef = number;

/** Bytes per unit of fuel charged for bulk memory operations. */
export const BULK_BYTES_PER_FUEL = 64;

/** The name of the custom section that records which fuel instrumentation a module carries. */
export const FUEL_SECTION = 'atomic-plugin.fuel';
/** Version 2: ticks plus bulk memory weighting. */
export const FUEL_FORMAT = 2;

/**
 * The operand fields that hold child expressions, by expression id. Fields that are plain
 * numbers for some ids (`index` of local.get, `offset` of loads, `value` of const) are listed only
 * where they are expressions.
 */
function childFields(binaryen: Binaryen): Map<number, readonly string[]> {
  const b = binaryen as unknown as Record<string, number>;
  const table: [string, string[]][] = [
    ['BlockId', ['children']],
    ['IfId', ['condition', 'ifTrue', 'ifFalse']],
    ['LoopId', ['body']],
    ['BreakId', ['condition', 'value']],
    ['SwitchId', ['condition', 'value']],
    ['CallId', ['operands']],
    ['CallIndirectId', ['target', 'operands']],
    ['LocalGetId', []],
    ['LocalSetId', ['value']],
    ['GlobalGetId', []],
    ['GlobalSetId', ['value']],
    ['LoadId', ['ptr']],
    ['StoreId', ['ptr', 'value']],
    ['ConstId', []],
    ['UnaryId', ['value']],
    ['BinaryId', ['left', 'right']],
    ['SelectId', ['ifTrue', 'ifFalse', 'condition']],
    ['DropId', ['value']],
    ['ReturnId', ['value']],
    ['MemorySizeId', []],
    ['MemoryGrowId', ['delta']],
    ['NopId', []],
    ['UnreachableId', []],
    ['AtomicRMWId', ['ptr', 'value']],
    ['AtomicCmpxchgId', ['ptr', 'expected', 'replacement']],
    ['AtomicWaitId', ['ptr', 'expected', 'timeout']],
    ['AtomicNotifyId', ['ptr', 'notifyCount']],
    ['AtomicFenceId', []],
    ['SIMDExtractId', ['vec']],
    ['SIMDReplaceId', ['vec', 'value']],
    ['SIMDShuffleId', ['left', 'right']],
    ['SIMDTernaryId', ['a', 'b', 'c']],
    ['SIMDShiftId', ['vec', 'shift']],
    ['SIMDLoadId', ['ptr']],
    ['SIMDLoadStoreLaneId', ['ptr', 'vec']],
    ['MemoryInitId', ['dest', 'offset', 'size']],
    ['DataDropId', []],
    ['MemoryCopyId', ['dest', 'source', 'size']],
    ['MemoryFillId', ['dest', 'value', 'size']],
    ['PopId', []],
    ['RefNullId', []],
    ['RefIsNullId', ['value']],
    ['RefFuncId', []],
    ['RefEqId', ['left', 'right']],
    ['TableGetId', ['index']],
    ['TableSetId', ['index', 'value']],
    ['TableSizeId', []],
    ['TableGrowId', ['value', 'delta']],
    ['TupleMakeId', ['operands']],
    ['TupleExtractId', ['tuple']],
  ];
  const map = new Map<number, readonly string[]>();
  for (const [name, fields] of table) if (typeof b[name] === 'number') map.set(b[name], fields);
  return map;
}

/**
 * Makes every bulk memory operation in `mod` charge `fuelGlobal` by its size. Returns false (and
 * leaves the rest unchanged) if a function holds an expression kind this walker does not know,
 * in which case the module's fuel does not bound its bulk memory work.
 */
export function chargeBulkMemory(binaryen: Binaryen, mod: Module, fuelGlobal: string, chargeName: string): boolean {
  const fields = childFields(binaryen);
  const sized = new Map<number, { setSize(expr: ExpressionRef, size: ExpressionRef): void }>();
  const api = binaryen as unknown as Record<string, { setSize(expr: ExpressionRef, size: ExpressionRef): void }>;
  for (const kind of ['MemoryFill', 'MemoryCopy', 'MemoryInit']) sized.set((binaryen as unknown as Record<string, number>)[`${kind}Id`]!, api[kind]!);

  const fuel = (): ExpressionRef => mod.global.get(fuelGlobal, binaryen.i64);
  const size = (): ExpressionRef => mod.local.get(0, binaryen.i32);
  const cost = mod.i64.add(mod.i64.const(1n), mod.i64.shr_u(mod.i64.extend_u(size()), mod.i64.const(BigInt(Math.log2(BULK_BYTES_PER_FUEL)))));
  mod.addFunction(chargeName, binaryen.createType([binaryen.i32]), binaryen.i32, [], mod.block(null, [
    mod.global.set(fuelGlobal, mod.i64.sub(fuel(), cost)),
    mod.if(mod.i64.lt_s(fuel(), mod.i64.const(0n)), mod.unreachable()),
    size(),
  ], binaryen.i32));

  let complete = true;
  const visit = (expr: ExpressionRef): void => {
    if (expr === 0) return;
    const id = binaryen.getExpressionId(expr);
    const keys = fields.get(id);
    if (keys === undefined) {
      complete = false;
      return;
    }
    if (keys.length === 0) return;
    // Only for expressions with children: binaryen.js cannot describe an i64 const it built itself.
    const info = binaryen.getExpressionInfo(expr) as unknown as Record<string, unknown>;
    for (const key of keys) {
      const child = info[key];
      if (Array.isArray(child)) for (const c of child as ExpressionRef[]) visit(c);
      else if (typeof child === 'number') visit(child);
    }
    const setter = sized.get(id);
    if (setter) setter.setSize(expr, mod.call(chargeName, [info.size as ExpressionRef], binaryen.i32));
  };
  for (let i = 0; i < mod.getNumFunctions(); i++) {
    const fn = binaryen.getFunctionInfo(mod.getFunctionByIndex(i));
    if (fn.name !== chargeName && fn.body !== 0) visit(fn.body);
  }
  return complete;
}
