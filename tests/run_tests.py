#!/usr/bin/env python3
"""Runs the Catch2 suite once, checks every lesson claim against the tests that carry its
tag, and prints `claims: N passed, N failed` then `tests: N passed, N failed`.

A claim is a line `> **Claim 01-a.** ...` in lessons/*.md, and the same id in the Chinese
lesson, lessons/zh/*.md (README.md is an index in both places, not a lesson). A claim id
counts once: it passes when it is in both languages, at least one test case is tagged
[claim-01-a], and every such test passed. An id in one language and not the other fails,
and so does a tag with no claim in the lessons: the lessons, their translation and the
tests must not drift apart.

A test that cannot run here (lesson 12's, with no network namespace to be had) says so with
a warning starting "skipped:"; it is reported as SKIPPED with its reason, and a claim whose
tests all skipped is counted as skipped, not passed."""
import argparse
import glob
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

CLAIM_LINE = re.compile(r"^>\s*\*\*Claim (\d\d-[a-z])\.\*\*")
CLAIM_TAG = re.compile(r"\[claim-(\d\d-[a-z])\]")


def lesson_claims(folder):
    """{claim id: (path, line)} for every claim in folder/*.md, README.md left out."""
    claims = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.md"))):
        if os.path.basename(path) == "README.md":
            continue
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                m = CLAIM_LINE.match(line)
                if m:
                    claims.setdefault(m.group(1), (path, number))
    return claims


def read_claims(folder):
    """The claims of the English lessons (folder/*.md) and of the Chinese ones
    (folder/zh/*.md). Returns ({claim id: "path:line"}, {claim id: why it is in one language
    only}); an id's place is its English one when it has one."""
    english = lesson_claims(folder)
    chinese_folder = os.path.join(folder, "zh")
    chinese = lesson_claims(chinese_folder)
    claims, mismatches = {}, {}
    for claim in sorted(set(english) | set(chinese)):
        path, number = english.get(claim) or chinese[claim]
        claims[claim] = f"{path}:{number}"
        if claim not in chinese:
            mismatches[claim] = f"claim {claim} is in {path} but not in {os.path.join(chinese_folder, '')}"
        elif claim not in english:
            mismatches[claim] = f"claim {claim} is in {path} but not in {os.path.join(folder, '')}"
    return claims, mismatches


def run_suite(binary, report, filters):
    os.makedirs(os.path.dirname(report) or ".", exist_ok=True)
    command = [binary, "-r", "xml", "-o", report, "-d", "yes", *filters]
    completed = subprocess.run(command, stdin=subprocess.DEVNULL)
    try:
        return ET.parse(report).getroot(), completed.returncode
    except ET.ParseError as error:
        print(f"test binary exited {completed.returncode} and left an unreadable report ({error})")
        return None, completed.returncode


def failure_text(case):
    lines = []
    for node in case.iter():
        where = f"{node.get('filename', '?')}:{node.get('line', '?')}"
        if node.tag == "Expression" and node.get("success") == "false":
            original = (node.findtext("Original") or "").strip()
            expanded = (node.findtext("Expanded") or "").strip()
            lines.append(f"    {where}: {node.get('type')}( {original} ) with {expanded}")
        elif node.tag in ("Exception", "FatalErrorCondition"):
            lines.append(f"    {where}: {node.tag.lower()}: {(node.text or '').strip()}")
        elif node.tag == "Failure":
            lines.append(f"    {where}: {(node.text or '').strip()}")
    return lines


def skip_reason(case):
    """The reason a test case gave for skipping (a WARN starting "skipped:"), or None."""
    for node in case.iter():
        text = (node.text or "").strip()
        if node.tag in ("Warning", "Info") and text.startswith("skipped:"):
            return text[len("skipped:"):].strip()
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--lessons", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("filters", nargs="*", help="Catch2 test specs (default: all)")
    args = parser.parse_args()

    root, returncode = run_suite(args.binary, args.report, args.filters)
    cases = [] if root is None else list(root.iter("TestCase"))
    passed = failed = skipped = 0
    tag_results = {}
    skips = {}
    for case in cases:
        result = case.find("OverallResult")
        ok = result is not None and result.get("success") == "true"
        seconds = float(result.get("durationInSeconds", 0)) if result is not None else 0
        why = skip_reason(case) if ok else None
        if why is not None:
            skipped += 1
            print(f"SKIPPED {case.get('name')}: {why}")
            for claim in CLAIM_TAG.findall(case.get("tags", "")):
                skips.setdefault(claim, why)
            continue
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAILED {case.get('name')} ({seconds:.2f}s)")
            for line in failure_text(case):
                print(line)
        for claim in CLAIM_TAG.findall(case.get("tags", "")):
            tag_results.setdefault(claim, []).append(ok)
    if root is None or (returncode != 0 and failed == 0):
        failed += 1
        print(f"FAILED the test binary itself (exit status {returncode})")

    claims, mismatches = read_claims(args.lessons)
    claims_passed = claims_failed = claims_skipped = 0
    if not args.filters:
        for claim, where in sorted(claims.items()):
            results = tag_results.get(claim)
            if not results and claim in skips and claim not in mismatches:
                claims_skipped += 1
                print(f"claim {claim} ({where}) not proven here: skipped, {skips[claim]}")
                continue
            proven = bool(results) and all(results)
            if claim in mismatches:
                print(mismatches[claim])
            if not proven:
                why = "no test carries [claim-%s]" % claim if not results else "a test failed"
                print(f"claim {claim} ({where}) not proven: {why}")
            if proven and claim not in mismatches:
                claims_passed += 1
            else:
                claims_failed += 1
        for claim in sorted((set(tag_results) | set(skips)) - set(claims)):
            claims_failed += 1
            print(f"tag [claim-{claim}] names no claim in {args.lessons}/")
    if skipped:
        print(f"skipped: {skipped} tests, {claims_skipped} claims (said why above)")
    print(f"claims: {claims_passed} passed, {claims_failed} failed")
    print(f"tests: {passed} passed, {failed} failed")
    return 0 if failed == 0 and claims_failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
