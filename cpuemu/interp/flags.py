"""Lazy EFLAGS, the iSH scheme: keep the last flag-setting operation, derive a flag only
when something reads it.

The state is a tuple `(rule, a, b, res, extra)`. `rule` is one object per operation kind
and width; it turns the tuple into CF/PF/AF/ZF/SF/OF and answers the 16 conditions of
jcc/setcc/cmovcc. `res` is always masked to the width, so ZF, SF and PF come from it for
every rule but `SAVED`, which holds materialised bits (after popf, sahf, clc, ...).

`extra` is the carry-in for adc/sbb and the previous state for inc/dec (which keep CF);
that link never grows into a chain because inc/dec link to what *they* kept.
Undefined flags are not invented here: they come from the CPU model's policy
(`undefined.MODELS`).
"""

from __future__ import annotations

from ..cpu.registers import FLAG_BITS

PARITY = bytes(1 - bin(i).count("1") % 2 for i in range(256))   # PF: even number of ones

CF, PF, AF, ZF, SF, OF = (1 << FLAG_BITS[f] for f in ("cf", "pf", "af", "zf", "sf", "of"))
STATUS = CF | PF | AF | ZF | SF | OF

# Condition codes in encoding order (the low nibble of jcc/setcc/cmovcc opcodes).
CONDITIONS = ("o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np",
              "l", "ge", "le", "g")


class Rule:
    """How one operation kind at one width defines the status flags."""

    keeps_cf = False                 # inc/dec: CF comes from the state they replaced
    name = "rule"

    def __init__(self, bits: int):
        self.bits = bits
        self.mask = (1 << bits) - 1
        self.sign = 1 << (bits - 1)
        self.top = bits - 1
        self.conds = self._conditions()

    def cf(self, s) -> int:
        raise NotImplementedError

    def of(self, s) -> int:
        raise NotImplementedError

    def af(self, s) -> int:
        return (s[1] ^ s[2] ^ s[3]) >> 4 & 1

    def zf(self, s) -> int:
        return 1 if s[3] == 0 else 0

    def sf(self, s) -> int:
        return s[3] >> self.top

    def pf(self, s) -> int:
        return PARITY[s[3] & 0xFF]

    def bits_of(self, s) -> int:
        """The six status flags as EFLAGS bits."""
        return (self.cf(s) | self.pf(s) << 2 | self.af(s) << 4 | self.zf(s) << 6
                | self.sf(s) << 7 | self.of(s) << 11)

    def _conditions(self):
        cf, zf, sf, of, pf = self.cf, self.zf, self.sf, self.of, self.pf
        tests = (
            of, lambda s: not of(s), cf, lambda s: not cf(s),
            zf, lambda s: not zf(s), lambda s: cf(s) or zf(s),
            lambda s: not (cf(s) or zf(s)),
            sf, lambda s: not sf(s), pf, lambda s: not pf(s),
            lambda s: sf(s) != of(s), lambda s: sf(s) == of(s),
            lambda s: zf(s) or sf(s) != of(s), lambda s: not zf(s) and sf(s) == of(s),
        )
        return self._specialise(dict(zip(CONDITIONS, tests, strict=True)))

    def _specialise(self, tests: dict):
        """Every rule but SAVED keeps a masked result: ZF and SF read straight off it."""
        if self.name != "saved":
            top = self.top
            tests.update(e=lambda s: s[3] == 0, ne=lambda s: s[3] != 0,
                         s=lambda s: s[3] >> top, ns=lambda s: not s[3] >> top)
        return tuple(tests[c] for c in CONDITIONS)

    def __repr__(self) -> str:
        return f"<{self.name}{self.bits}>"

    # -- the same conditions as Python source, for the block compiler --------------------

    def cond_source(self, cc: int, a: str, b: str, res: str) -> str | None:
        """Condition `cc` as an expression over the names of a, b and res, or None when
        only the general test (`conds`) can answer."""
        return self._result_conditions(res).get(CONDITIONS[cc])

    def cf_source(self, a: str, b: str, res: str) -> str | None:
        return None

    def _result_conditions(self, res: str) -> dict[str, str]:
        if self.name == "saved":
            return {}
        return {"e": f"{res} == 0", "ne": f"{res} != 0", "s": f"{res} >> {self.top}",
                "ns": f"not {res} >> {self.top}"}


class Add(Rule):
    name = "add"

    def cf(self, s):
        return 1 if s[3] < s[1] else 0

    def of(self, s):
        return ((s[1] ^ s[3]) & (s[2] ^ s[3])) >> self.top & 1


    def cf_source(self, a, b, res):
        return f"(1 if {res} < {a} else 0)"


class Adc(Add):
    name = "adc"

    def cf(self, s):
        return 1 if s[3] < s[1] or (s[4] and s[3] == s[1]) else 0


class Sub(Rule):
    """sub, cmp, neg (as 0 - x), cmpxchg: the conditions read straight off a and b."""

    name = "sub"

    def cf(self, s):
        return 1 if s[1] < s[2] else 0

    def of(self, s):
        return ((s[1] ^ s[2]) & (s[1] ^ s[3])) >> self.top & 1

    def cond_source(self, cc, a, b, res):
        f = self.sign
        return {"b": f"{a} < {b}", "ae": f"{a} >= {b}", "be": f"{a} <= {b}",
                "a": f"{a} > {b}", "l": f"{a} ^ {f} < {b} ^ {f}",
                "ge": f"{a} ^ {f} >= {b} ^ {f}", "le": f"{a} ^ {f} <= {b} ^ {f}",
                "g": f"{a} ^ {f} > {b} ^ {f}"}.get(CONDITIONS[cc]) or \
            super().cond_source(cc, a, b, res)

    def cf_source(self, a, b, res):
        return f"(1 if {a} < {b} else 0)"

    def _specialise(self, tests: dict):
        flip = self.sign                  # signed order is unsigned order with the sign flipped
        tests.update(
            b=lambda s: s[1] < s[2], ae=lambda s: s[1] >= s[2],
            e=lambda s: s[3] == 0, ne=lambda s: s[3] != 0,
            be=lambda s: s[1] <= s[2], a=lambda s: s[1] > s[2],
            l=lambda s: s[1] ^ flip < s[2] ^ flip, ge=lambda s: s[1] ^ flip >= s[2] ^ flip,
            le=lambda s: s[1] ^ flip <= s[2] ^ flip, g=lambda s: s[1] ^ flip > s[2] ^ flip)
        return super()._specialise(tests)


class Sbb(Sub):
    name = "sbb"

    def cf(self, s):
        return 1 if s[1] < s[2] + s[4] else 0

    def _specialise(self, tests: dict):
        return Rule._specialise(self, tests)         # a and b alone do not decide here

    def cond_source(self, cc, a, b, res):
        return Rule.cond_source(self, cc, a, b, res)

    def cf_source(self, a, b, res):
        return None


class Logic(Rule):
    """and, or, xor, test: CF = OF = 0; AF is undefined."""

    name = "logic"

    def __init__(self, bits: int, af: int = 0):
        self.af_value = af
        super().__init__(bits)

    def cf(self, s):
        return 0

    of = cf

    def af(self, s):
        return self.af_value

    def cond_source(self, cc, a, b, res):
        top = self.top                          # CF = OF = 0: the rest is ZF and SF
        return {"o": "False", "no": "True", "b": "False", "ae": "True",
                "be": f"{res} == 0", "a": f"{res} != 0", "l": f"{res} >> {top}",
                "ge": f"not {res} >> {top}", "le": f"{res} == 0 or {res} >> {top}",
                "g": f"{res} != 0 and not {res} >> {top}"}.get(CONDITIONS[cc]) or \
            super().cond_source(cc, a, b, res)

    def cf_source(self, a, b, res):
        return "0"


class Inc(Rule):
    name = "inc"
    keeps_cf = True

    def cf(self, s):
        prev = s[4]
        return prev[0].cf(prev)

    def of(self, s):
        return 1 if s[3] == self.sign else 0


class Dec(Inc):
    name = "dec"

    def of(self, s):
        return 1 if s[1] == self.sign else 0


class Result(Rule):
    """ZF, SF, PF from the result; CF, OF, AF computed by the instruction:
    `(rule, cf, of, res, af)`. Shifts, multiplies, bsf/bsr and friends use it."""

    name = "result"

    def cf(self, s):
        return s[1]

    def of(self, s):
        return s[2]

    def af(self, s):
        return s[4]


class Saved(Rule):
    """Flags already materialised: `(SAVED, eflags_bits, 0, 0, None)`."""

    name = "saved"

    def cf(self, s):
        return s[1] & 1

    def pf(self, s):
        return s[1] >> 2 & 1

    def af(self, s):
        return s[1] >> 4 & 1

    def zf(self, s):
        return s[1] >> 6 & 1

    def sf(self, s):
        return s[1] >> 7 & 1

    def of(self, s):
        return s[1] >> 11 & 1

    def bits_of(self, s) -> int:
        return s[1] & STATUS


def _widths(cls) -> dict[int, Rule]:
    return {bits: cls(bits) for bits in (8, 16, 32, 64)}


ADD, ADC, SUB, SBB = _widths(Add), _widths(Adc), _widths(Sub), _widths(Sbb)
INC, DEC, RESULT = _widths(Inc), _widths(Dec), _widths(Result)
# and/or/xor/test by the AF a CPU model leaves
LOGIC = {af: {bits: Logic(bits, af) for bits in (8, 16, 32, 64)} for af in (0, 1)}
SAVED = Saved(32)


def saved(bits: int):
    """A state holding materialised status bits."""
    return (SAVED, bits & STATUS, 0, 0, None)


def materialize(s) -> int:
    return s[0].bits_of(s)


def with_flags(s, **values: int):
    """`s` materialised, with some flags replaced (rotates and bt change only CF/OF)."""
    bits = s[0].bits_of(s)
    for name, value in values.items():
        bit = 1 << FLAG_BITS[name]
        bits = bits | bit if value else bits & ~bit
    return saved(bits)



def compose(policy: dict, prev, width: int, res: int, **defined: int):
    """A saved state for instructions whose flags are partly defined, partly policy:
    `defined` gives the defined ones; the others follow `policy` (the CPU model's rules
    for the family: a constant, "keep" the previous value, or "result" for ZF/SF/PF
    derived from `res`)."""
    old = prev[0].bits_of(prev)
    from_result = {"zf": 1 if res == 0 else 0, "sf": res >> (width - 1) & 1,
                   "pf": PARITY[res & 0xFF]}
    bits = 0
    for name in ("cf", "pf", "af", "zf", "sf", "of"):
        bit = 1 << FLAG_BITS[name]
        if name in defined:
            value = defined[name]
        else:
            rule = policy.get(name, "keep")
            if rule == "keep":
                value = old & bit
            elif rule == "result":
                value = from_result.get(name, 0)
            else:
                value = rule
        if value:
            bits |= bit
    return saved(bits)
