// SPDX-License-Identifier: GPL-2.0
/*
 * dmem-backport userspace tests, the dmem.* files: show format, value
 * parsing, write errors and atomicity (NUL byte, several lines, ENOMEM,
 * ENODEV). Part of tests/user/main.c (one translation unit with the core,
 * so that tests can check its private invariants); helpers in helpers.h
 * and tests/shared/.
 */

/* ---- files --------------------------------------------------------------- */

static void test_show_format(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *r1 = dmem_region_register("drm/0000:03:00.0/vram0", 64 * M, NULL);
	struct dmem_region *r2 = dmem_region_register("drm/0000:04:00.0/vram", 1ULL << 62, NULL);

	/* no pools yet: 0 everywhere, max for dmem.max, registration order */
	CHECK_STR(show(a, DMEM_FILE_CURRENT),
		  "drm/0000:03:00.0/vram0 0\ndrm/0000:04:00.0/vram 0\n");
	CHECK_STR(show(a, DMEM_FILE_MAX),
		  "drm/0000:03:00.0/vram0 max\ndrm/0000:04:00.0/vram max\n");
	CHECK_STR(show(a, DMEM_FILE_MIN),
		  "drm/0000:03:00.0/vram0 0\ndrm/0000:04:00.0/vram 0\n");
	CHECK_STR(show(a, DMEM_FILE_PEAK),
		  "drm/0000:03:00.0/vram0 0\ndrm/0000:04:00.0/vram 0\n");
	/* capacity prints raw sizes, even huge ones */
	CHECK_STR(show(root, DMEM_FILE_CAPACITY),
		  "drm/0000:03:00.0/vram0 67108864\ndrm/0000:04:00.0/vram 4611686018427387904\n");
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "drm/0000:04:00.0/vram 1G\ndrm/0000:03:00.0/vram0 max"), 0);
	CHECK_STR(show(a, DMEM_FILE_LOW),
		  "drm/0000:03:00.0/vram0 max\ndrm/0000:04:00.0/vram 1073741824\n");
	charge_ok(pool_of(a, r2), 4096);
	CHECK_STR(show(root, DMEM_FILE_CURRENT),
		  "drm/0000:03:00.0/vram0 0\ndrm/0000:04:00.0/vram 4096\n");
	/* DMEM_COUNTER_MAX - 1 is a number, DMEM_COUNTER_MAX is max */
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "drm/0000:03:00.0/vram0 %llu",
			(unsigned long long)DMEM_COUNTER_MAX - 1), 0);
	CHECK_STR(show(a, DMEM_FILE_MAX),
		  "drm/0000:03:00.0/vram0 2251799813685246\ndrm/0000:04:00.0/vram max\n");
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "drm/0000:03:00.0/vram0 %llu",
			(unsigned long long)DMEM_COUNTER_MAX), 0);
	CHECK_STR(show(a, DMEM_FILE_MAX),
		  "drm/0000:03:00.0/vram0 max\ndrm/0000:04:00.0/vram max\n");
	/* an unregistered region disappears from every file */
	dmem_region_unregister(r1);
	CHECK_STR(show(a, DMEM_FILE_LOW), "drm/0000:04:00.0/vram 1073741824\n");
	dmem_pool_uncharge(pool_of(a, r2), 4096);
	dmem_region_unregister(r2);
	CHECK_STR(show(a, DMEM_FILE_LOW), "");
	del_cg(a); del_cg(root);
}

static void test_parse_values(void)
{
	static const struct {
		const char *in;
		int ret;
		u64 val;
	} t[] = {
		{ "0", 0, 0 },
		{ "1", 0, 1 },
		{ "4096", 0, 4096 },
		{ "1k", 0, 1024 }, { "1K", 0, 1024 },
		{ "3m", 0, 3 << 20 }, { "3M", 0, 3 << 20 },
		{ "2G", 0, 2ULL << 30 }, { "2g", 0, 2ULL << 30 },
		{ "5T", 0, 5ULL << 40 }, { "1P", 0, 1ULL << 50 },
		{ "1E", 0, DMEM_COUNTER_MAX },		/* 2^60: clamped to max */
		{ "max", 0, DMEM_COUNTER_MAX },
		{ "0x10", 0, 16 }, { "0X1f", 0, 31 }, { "010", 0, 8 },
		{ "0x10k", 0, 16384 },
		{ "18446744073709551615", 0, DMEM_COUNTER_MAX },
		{ "18446744073709551616", -EINVAL, 0 },	/* 2^64 */
		{ "99999999999999999999999", -EINVAL, 0 },
		{ "16E", -EINVAL, 0 },			/* 2^64 */
		{ "17179869184G", -EINVAL, 0 },		/* 2^64 */
		{ "17179869183G", 0, DMEM_COUNTER_MAX },
		{ "", -EINVAL, 0 },
		{ "k", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "1KB", -EINVAL, 0 },
		{ "1X", -EINVAL, 0 },
		{ "1.5G", -EINVAL, 0 },
		{ "08", -EINVAL, 0 },
		{ "0x", -EINVAL, 0 },
		{ "MAX", -EINVAL, 0 },
		{ "maxx", -EINVAL, 0 },
		{ "max ", -EINVAL, 0 },
		{ "10M5", -EINVAL, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		u64 v = 12345;
		int ret = dmem_parse_value(t[i].in, &v);

		if (ret != t[i].ret || (!ret && v != t[i].val)) {
			harness_failures++;
			printf("#   \"%s\": ret %d val %llu, expected %d %llu\n",
			       t[i].in, ret, (unsigned long long)v, t[i].ret,
			       (unsigned long long)t[i].val);
		}
	}
}

static const char *limits_snapshot(struct dmem_cg *cg)
{
	static char buf[4][512];

	strcpy(buf[0], show(cg, DMEM_FILE_MIN));
	strcpy(buf[1], show(cg, DMEM_FILE_LOW));
	strcat(buf[0], buf[1]);
	strcpy(buf[2], show(cg, DMEM_FILE_MAX));
	strcat(buf[0], buf[2]);
	strcpy(buf[3], show(cg, DMEM_FILE_HIGH));
	strcat(buf[0], buf[3]);
	return buf[0];
}

static void test_write_errors_change_nothing(void)
{
	static const char *bad[] = {
		"nosuch 1M",			/* unknown region */
		"wr",				/* missing value */
		"wr ",				/* missing value */
		"wr\t",
		"wr 1M\nnosuch 5",		/* bad second line */
		"wr 1M\nwr2",			/* missing value on line 2 */
		"wr 1M\nwr2 12Q",		/* bad number on line 2 */
		"wr 1M\nwr2 99999999999999999999",	/* overflow */
		"wr 1M\nwr2 16E",		/* overflow by suffix */
		"wr  1M",			/* two blanks: value " 1M" */
		"wr 1M 2M",
		"wr -5",
		"wr2 1M\n\nwr 2M\nwr 3M\nwr2 x",
	};
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *r = dmem_region_register("wr", 100 * M, NULL);
	struct dmem_region *r2 = dmem_region_register("wr2", 100 * M, NULL);
	static const enum dmem_file files[] = {
		DMEM_FILE_MIN, DMEM_FILE_LOW, DMEM_FILE_MAX, DMEM_FILE_HIGH
	};
	char before[1024];
	unsigned int i, f;

	CHECK_EQ(writef(a, DMEM_FILE_MIN, "wr 7M\nwr2 8M"), 0);
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "wr 9M"), 0);
	CHECK_EQ(writef(a, DMEM_FILE_MAX, "wr2 99M"), 0);
	CHECK_EQ(writef(a, DMEM_FILE_HIGH, "wr 33M"), 0);
	strcpy(before, limits_snapshot(a));
	for (f = 0; f < ARRAY_SIZE(files); f++) {
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			int ret = writef(a, files[f], "%s", bad[i]);

			if (ret != -EINVAL) {
				harness_failures++;
				printf("#   \"%s\" returned %d\n", bad[i], ret);
			}
			CHECK_STR(limits_snapshot(a), before);
		}
		/* an error before the NUL that ends the input */
		CHECK_EQ(dmem_write_limits(a, files[f], "nosuch 1\0wr 2M", 15),
			 -EINVAL);
		CHECK_STR(limits_snapshot(a), before);
	}
	/* not a limit file */
	CHECK_EQ(writef(a, DMEM_FILE_CURRENT, "wr 1"), -EINVAL);
	dmem_region_unregister(r);
	dmem_region_unregister(r2);
	del_cg(a); del_cg(root);
}

/*
 * Upstream parses the kernfs buffer as a C string (strchr, strsep and
 * strstrip on a NUL-terminated copy), so a NUL byte ends the input and
 * whatever follows it is ignored; 6.14-7.2 skip empty input.
 */
static void test_write_nul_ends_input(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *r = dmem_region_register("nul", 1ULL << 30, NULL);
	struct dmem_region *r2 = dmem_region_register("nul2", 1ULL << 30, NULL);
	static const enum dmem_file files[] = {
		DMEM_FILE_MIN, DMEM_FILE_LOW, DMEM_FILE_MAX, DMEM_FILE_HIGH
	};
	static const char multi[] = "nul 3M\nnul2 4M\0\nnul2 5M";
	char before[1024], want[64];
	unsigned int f;

	for (f = 0; f < ARRAY_SIZE(files); f++) {
		/* what echo -ne 'nul 8M\0' > dmem.max writes: nbytes counts the NUL */
		CHECK_EQ(dmem_write_limits(a, files[f], "nul 8M\0", 7), 0);
		CHECK_EQ(dmem_pool_read(pool_of(a, r), files[f]), 8 * M);
		CHECK_EQ(dmem_write_limits(a, files[f], "nul 9M\0garbage\n\xff", 17), 0);
		CHECK_EQ(dmem_pool_read(pool_of(a, r), files[f]), 9 * M);
		/* the value ends at the NUL too: "nul 1" */
		CHECK_EQ(dmem_write_limits(a, files[f], "nul 1\0M", 7), 0);
		CHECK_EQ(dmem_pool_read(pool_of(a, r), files[f]), 1);
		CHECK_EQ(dmem_write_limits(a, files[f], multi, sizeof(multi) - 1), 0);
		CHECK_EQ(dmem_pool_read(pool_of(a, r), files[f]), 3 * M);
		CHECK_EQ(dmem_pool_read(pool_of(a, r2), files[f]), 4 * M);

		/* nothing before the NUL: an empty write, accepted, no change */
		strcpy(before, limits_snapshot(a));
		CHECK_EQ(dmem_write_limits(a, files[f], "\0", 1), 0);
		CHECK_STR(limits_snapshot(a), before);
		CHECK_EQ(dmem_write_limits(a, files[f], "\0nul 10M", 9), 0);
		CHECK_STR(limits_snapshot(a), before);
		CHECK_EQ(dmem_write_limits(a, files[f], " \n\0nul 10M", 11), 0);
		CHECK_STR(limits_snapshot(a), before);
		/* a bad line before the NUL still fails and changes nothing */
		CHECK_EQ(dmem_write_limits(a, files[f], "nul 2M\nnul2\0 2M", 16),
			 -EINVAL);
		CHECK_STR(limits_snapshot(a), before);
	}
	snprintf(want, sizeof(want), "nul %llu\nnul2 %llu\n", 3 * M, 4 * M);
	CHECK_STR(show(a, DMEM_FILE_MAX), want);
	dmem_region_unregister(r);
	dmem_region_unregister(r2);
	del_cg(a);
	del_cg(root);
}

static void test_write_multiline(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *r = dmem_region_register("ml", 100 * M, NULL);
	struct dmem_region *r2 = dmem_region_register("ml2", 100 * M, NULL);

	/* dmemcg-booster style: all regions, one write, trailing newline */
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "ml 1M\nml2 2M\n"), 0);
	CHECK_STR(show(a, DMEM_FILE_LOW), "ml 1048576\nml2 2097152\n");
	/* blank lines, surrounding blanks, tabs, CRLF; last line wins */
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "\n\n  ml\t3K \r\n\t\nml2 max\nml 4K\n\n"), 0);
	CHECK_STR(show(a, DMEM_FILE_LOW), "ml 4096\nml2 max\n");
	/* only blank lines: accepted, changes nothing */
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "\n \n"), 0);
	CHECK_EQ(dmem_write_limits(a, DMEM_FILE_LOW, "", 0), 0);
	CHECK_STR(show(a, DMEM_FILE_LOW), "ml 4096\nml2 max\n");
	/* a single pair without newline, buffer not NUL-terminated */
	CHECK_EQ(dmem_write_limits(a, DMEM_FILE_LOW, "ml 5Kxxxx", 5), 0);
	CHECK_STR(show(a, DMEM_FILE_LOW), "ml 5120\nml2 max\n");
	/* a bad third line: the first two are not applied */
	CHECK_EQ(writef(a, DMEM_FILE_LOW, "ml 1\nml2 2\nml 0x\n"), -EINVAL);
	CHECK_STR(show(a, DMEM_FILE_LOW), "ml 5120\nml2 max\n");
	dmem_region_unregister(r);
	dmem_region_unregister(r2);
	del_cg(a); del_cg(root);
}

static void test_write_enomem_changes_nothing(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root), *b = new_cg(a);
	struct dmem_region *r = dmem_region_register("nm", 100 * M, NULL);
	struct dmem_region *r2 = dmem_region_register("nm2", 100 * M, NULL);
	int n, ret = 0;

	CHECK_EQ(writef(b, DMEM_FILE_MAX, "nm2 5M"), 0);	/* nm2 pools exist */
	/* fail the 1st, 2nd, ... allocation of a write creating nm pools */
	for (n = 1; n < 10; n++) {
		port_fail_alloc_after = n;
		ret = writef(b, DMEM_FILE_MAX, "nm2 6M\nnm 7M");
		port_fail_alloc_after = 0;
		if (ret == 0)
			break;
		CHECK_EQ(ret, -ENOMEM);
		CHECK_STR(show(b, DMEM_FILE_MAX), "nm max\nnm2 5242880\n");
	}
	CHECK(n > 3);	/* copy, request array, two pools (a, b) */
	CHECK_EQ(ret, 0);
	CHECK_STR(show(b, DMEM_FILE_MAX), "nm 7340032\nnm2 6291456\n");
	dmem_region_unregister(r);
	dmem_region_unregister(r2);
	del_cg(b); del_cg(a); del_cg(root);
}

/* A region unregistered while a write is between parsing and applying. */
static void test_write_enodev_changes_nothing(void)
{
	struct dmem_cg *root = new_cg(NULL), *a = new_cg(root);
	struct dmem_region *keep = dmem_region_register("keep", 100 * M, NULL);
	struct dmem_region *gone = dmem_region_register("gone", 100 * M, NULL);
	struct dmem_limit_req reqs[2] = {};
	struct dmem_cg *new_cg_tmp;
	char l1[] = "keep 1M", l2[] = "gone 2M";

	/*
	 * Drive the phases by hand so the unregister lands exactly between
	 * pool creation and apply (the window a concurrent unbind hits).
	 */
	CHECK_EQ(dmem_parse_line(l1, &reqs[0]), 1);
	CHECK_EQ(dmem_parse_line(l2, &reqs[1]), 1);
	reqs[0].pool = dmem_pool_get(a, reqs[0].region);
	reqs[1].pool = dmem_pool_get(a, reqs[1].region);
	dmem_region_unregister(gone);
	CHECK_EQ(dmem_apply_all(DMEM_FILE_LOW, reqs, 2), -ENODEV);
	/* the API refuses new pools of the dead region (still referenced) */
	CHECK_EQ(PTR_ERR(dmem_pool_get(new_cg_tmp = new_cg(a), gone)), -ENODEV);
	del_cg(new_cg_tmp);
	dmem_pool_put(reqs[0].pool);
	dmem_pool_put(reqs[1].pool);
	dmem_region_put(reqs[0].region);
	dmem_region_put(reqs[1].region);
	CHECK_STR(show(a, DMEM_FILE_LOW), "keep 0\n");
	dmem_region_unregister(keep);
	del_cg(a); del_cg(root);
}

static const struct harness_test files_tests[] = {
	{ "show_format_matches_upstream", test_show_format },
	{ "parse_values_suffixes_max_overflow", test_parse_values },
	{ "write_errors_change_nothing", test_write_errors_change_nothing },
	{ "write_multiline_blank_lines_atomic", test_write_multiline },
	{ "write_nul_byte_ends_input_as_upstream", test_write_nul_ends_input },
	{ "write_enomem_changes_nothing", test_write_enomem_changes_nothing },
	{ "write_enodev_changes_nothing", test_write_enodev_changes_nothing },
};
