/*
 * Tests for the CGM sensor and its random number generator (patient_model.h, "Random
 * numbers" and "CGM sensor"; patient-model spec §9 "CGM sensor").
 *
 * Reference vectors were generated once with Debian's numpy 1.24.2 / scipy 1.10.1:
 *   - rng: numpy.random.RandomState(seed) — MT19937(seed)._legacy_seeding + random_raw for the
 *     raw words, random_sample and randn printed with %.17g;
 *   - noise: an independent transcription of simglucose v0.2.11 sensor/noise_gen.py
 *     (CGMNoise: AR(1) knots every 15 min through Johnson SU, blocks of 10 new knots plus the
 *     previous last knot, interp1d(kind='cubic') on t = 0, st, ..., floor(150/st)*st, t = 0
 *     dropped), printed with %.17g.
 * Statistical tests use fixed seeds and print them on failure.
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "patient_model.h"

/* ------------------------------------------------------------------------------------ */
/* Random numbers                                                                       */
/* ------------------------------------------------------------------------------------ */

typedef struct rng_vector {
	uint32_t seed;
	uint32_t u32[5];   /* first raw MT19937 outputs */
	double uniform[4]; /* RandomState(seed).random_sample(4) */
	double gauss[5];   /* RandomState(seed).randn() x5 (pairs share one polar draw) */
} rng_vector;

static const rng_vector rng_vectors[] = {
    {0,
     {2357136044u, 2546248239u, 3071714933u, 3626093760u, 2588848963u},
     {0.54881350392732475, 0.71518936637241948, 0.60276337607164387, 0.54488318299689686},
     {1.764052345967664, 0.40015720836722329, 0.9787379841057392, 2.2408931992014578,
      1.8675579901499675}},
    {1,
     {1791095845u, 4282876139u, 3093770124u, 4005303368u, 491263u},
     {0.417022004702574, 0.7203244934421581, 0.00011437481734488664, 0.30233257263183977},
     {1.6243453636632417, -0.61175641365007538, -0.5281717522634557, -1.0729686221561705,
      0.86540762932467852}},
    {42,
     {1608637542u, 3421126067u, 4083286876u, 787846414u, 3143890026u},
     {0.37454011884736249, 0.95071430640991617, 0.73199394181140509, 0.5986584841970366},
     {0.49671415301123267, -0.13826430117118466, 0.64768853810069249, 1.5230298564080254,
      -0.23415337472333597}},
    {4294967295u,
     {419326371u, 479346978u, 3918654476u, 2416749639u, 3388880820u},
     {0.097632028994013798, 0.91238284530262181, 0.78903530185163995, 0.78000359811346776},
     {0.64840867423065274, 0.66932353063381611, -1.0805437227474493, 0.28450104479863092,
      0.11388773652167104}},
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

Test(rng, raw_words_match_numpy_mt19937_for_integer_seeds)
{
	for (size_t v = 0; v < COUNT_OF(rng_vectors); v++) {
		rng r;
		rng_seed(&r, rng_vectors[v].seed);
		for (size_t i = 0; i < 5; i++)
			cr_expect_eq(rng_next_u32(&r), rng_vectors[v].u32[i], "seed %u word %zu",
			             (unsigned)rng_vectors[v].seed, i);
	}
}

Test(rng, ten_thousandth_word_of_seed_5489_is_the_published_check_value)
{
	/* C++11 [rand.predef]: the 10000th output of mt19937 (seed 5489) is 4123659995. */
	rng r;
	rng_seed(&r, 5489u);
	uint32_t w = 0;
	for (int i = 0; i < 10000; i++)
		w = rng_next_u32(&r);
	cr_assert_eq(w, 4123659995u);
}

Test(rng, uniform_matches_numpy_random_sample_bit_for_bit)
{
	for (size_t v = 0; v < COUNT_OF(rng_vectors); v++) {
		rng r;
		rng_seed(&r, rng_vectors[v].seed);
		for (size_t i = 0; i < 4; i++)
			cr_expect_eq(rng_uniform(&r), rng_vectors[v].uniform[i],
			             "seed %u value %zu", (unsigned)rng_vectors[v].seed, i);
	}
}

Test(rng, gauss_matches_numpy_randn_including_the_cached_deviate)
{
	for (size_t v = 0; v < COUNT_OF(rng_vectors); v++) {
		rng r;
		rng_seed(&r, rng_vectors[v].seed);
		for (size_t i = 0; i < 5; i++) {
			double g = rng_gauss(&r);
			/* libm's log/sqrt may differ from numpy's by an ulp; allow a few. */
			cr_expect(fabs(g - rng_vectors[v].gauss[i]) <= 4e-16 * fabs(g) + 1e-300,
			          "seed %u deviate %zu: %.17g vs %.17g",
			          (unsigned)rng_vectors[v].seed, i, g, rng_vectors[v].gauss[i]);
		}
	}
}

Test(rng, cached_gauss_survives_a_uniform_draw_as_in_numpy)
{
	/* RandomState(7): randn(), random_sample(), randn(), randn(). */
	rng r;
	rng_seed(&r, 7u);
	/* One call per statement: Criterion's float macros evaluate their arguments twice. */
	double g1 = rng_gauss(&r);
	double u = rng_uniform(&r);
	double g2 = rng_gauss(&r); /* the cached f*x1 of the first pair */
	double g3 = rng_gauss(&r);
	cr_expect_float_eq(g1, 1.690525703800356, 1e-15);
	cr_expect_eq(u, 0.97798951199660267);
	cr_expect_float_eq(g2, -0.46593737054083278, 1e-15);
	cr_expect_float_eq(g3, 0.093166060979751747, 1e-15);
}

Test(rng, reseeding_forgets_the_cached_deviate)
{
	rng r;
	rng_seed(&r, 1u);
	(void)rng_gauss(&r); /* leaves a cached deviate */
	rng_seed(&r, 1u);
	double g = rng_gauss(&r);
	cr_expect_float_eq(g, 1.6243453636632417, 1e-15);
}

Test(rng, copying_the_state_forks_an_identical_stream)
{
	rng a;
	rng_seed(&a, 99u);
	(void)rng_gauss(&a);
	rng b = a;
	for (int i = 0; i < 2000; i++)
		cr_assert_eq(rng_gauss(&a), rng_gauss(&b), "draw %d", i);
}

/* ------------------------------------------------------------------------------------ */
/* CGM noise against the reference generator                                            */
/* ------------------------------------------------------------------------------------ */

static const double noise_dexcom_seed1[] = {
    16.773949368790483,   13.413314121180598,    10.859438723776949,   8.9392422916742991,
    7.4796439399674179,   6.3075627837510684,    5.2499179381200189,   4.13362851816904,
    2.7856136389928929,   1.0327924156863482,    -1.191720336281487,   -3.5300269999441527,
    -5.5180342579608466,  -6.6916487929907671,   -6.5867772876931099,  -4.9646590586596471,
    -2.4878639582124222,  -0.044294472606051682, 1.4781469119048496,   1.1915577090656653,
    -1.4452290797223031,  -5.5864385024340741,   -10.039560119388753,  -13.612083490905439,
    -15.11149817730324,   -13.735828949321959,   -10.245241419384236,  -5.7904364103334229,
    -1.52211474501286,    1.4090227537341049,    2.1721675775834206,   1.2160804762882123,
    -0.6905854858790994,  -2.7791772446460969,   -4.2810417357403585,  -4.6262575222956883,
    -4.0398296770707764,  -2.9454949002305413,   -1.7669898919398985,  -0.92805135236376302,
    -0.73851433946235079, -1.0526073423770852,   -1.6106572080446917,  -2.1529907834018922,
    -2.4199349153854155,  -2.1518164509319804,   -1.0889622369783138,  1.0283008795388584,
    4.4596460516828156,   9.4647464325168293,    3.0321079976609546,   -1.7103307686998104,
    -5.0058065188092566,  -7.0975559049111849,   -8.2288155792493836,  -8.642822194067648,
    -8.58281240160977,    -8.2920228541195478,   -8.0136902038407705,  -7.9910511030172362,
    -8.3714307671685457,  -8.9185086649175478,   -9.3000528281628991,  -9.1838312888032547,
    -8.2376120787372749,  -6.2787223369780811,   -3.7227256309966692,  -1.1347446353785009,
    0.92009797529096249,  1.8766795264262603,    1.3568483608269555,   -0.26966310916727099,
    -2.4461514538317144,  -4.6159132434416694,   -6.2222450482724296,  -6.8626519587256887,
    -6.7514731457087436,  -6.2572563002552837,   -5.7485491133990063,  -5.5938992761736053,
    -6.0565800336359521,  -6.9787668469356277,   -8.097360731245395,   -9.1492627017380084,
    -9.8713737735862352,  -10.059526410576581,   -9.7452788709505533,  -9.0191208615634171,
    -7.9715420892704287,  -6.6930322609268504,   -5.2810030189707504,  -3.8605537481714398,
    -2.5637057688810394,  -1.5224804014516728,   -0.86889896623545781, -0.73498278358451818,
    -1.2527531738509741,  -2.5542314573869467,   -4.771438954544557,   -8.0363969856759265,
};

static const double noise_guardian_seed1[] = {
    14.435338682834795,   10.157511676679915,   7.4796439399674179,   5.60043507961751,
    3.7185847025504151,   1.0327924156863482,   -2.7665954130621593,  -6.0226453718133399,
    -6.5867772876931099,  -3.3536176264040991,  0.60938059204421946,  1.1915577090656653,
    -4.1124890466300306,  -11.387134897149442,  -15.11149817730324,   -11.572730603479414,
    -4.2901174183753881,  1.4090227537341049,   1.6783542261636344,   -1.4045269374149201,
    -4.2810417357403585,  -4.3126649981358396,  -2.5410868762619825,  -0.92805135236376302,
    -0.90797999107181682, -1.8060046865593975,  -2.4199349153854155,  -1.5475801541087759,
    2.013250120711608,    9.4647464325168293,   -0.30230320158248147, -5.8247920014246217,
    -8.2288155792493836,  -8.6404695472965489,  -8.1858495178059023,  -7.9910511030172362,
    -8.7381354858916751,  -9.3330261322757355,  -8.2376120787372749,  -4.6061856355222339,
    -0.36265220758892525, 1.8766795264262603,   0.36110744985464061,  -3.1976443061015649,
    -6.2222450482724296,  -6.8492924174065299,  -6.071097389926531,   -5.5938992761736053,
    -6.6365556921517879,  -8.4683974765165537,  -9.8713737735862352,  -9.9002645082983758,
    -8.7011727280673785,  -6.6930322609268504,  -4.326822932978966,   -2.1817085626001669,
    -0.86889896623545781, -0.99960396032984478, -3.1850333613283328,  -8.0363969856759265,
    -4.668317114946511,   -1.2002580713899391,  2.1099868693665114,   5.0046244316955679,
    7.2258613399699554,   8.5159043185623986,   8.8302439144779754,   8.9775059652511846,
    9.9796001310488691,   12.367472763179196,   14.708216977515622,   15.077962581072933,
    12.25190393957414,    7.8014936535753048,   3.9972488823407084,   2.4656599293290538,
    2.2571096747766761,   1.7779541431143167,   -0.12027709088389341, -2.8053602510702533,
    -5.1998980109536781,  -6.4355010864897793,  -6.4798123634209883,  -5.5094827699364357,
    -3.7785378463623869,  -1.8505015815736299,  -0.36627257658208812, 0.033250567600317416,
    -1.2928307500383334,  -4.9854151305099625,  -5.1274298594485241,  -5.5543493226798324,
    -6.2115009014184706,  -7.0442119768790121,  -7.9978099302760413,  -9.0176221428241341,
    -10.057585385210503,  -11.106073986012909,  -12.160071663281744,  -13.1376472537911,
};

static const double noise_dexcom_4min_seed2024[] = {
    24.105359177752796,   24.55216721654185,   23.617520632044226,   21.65322728789166,
    19.011095047715934,   16.042931775148794,  13.100545333822005,   10.529497498790569,
    8.5316900078440145,   7.1653645615064043,  6.4825167717250416,   6.5404007347881672,
    7.4420388366181296,   9.3140192633318613,  12.283124959725598,   16.185869108249211,
    19.697685841967228,   21.203739531597805,  19.09892279535412,    12.955246198344934,
    4.6308584670051509,   -3.7534289898652067, -10.132781977633954,  -13.729842227529563,
    -15.054727396641143,  -14.673532356225675, -13.14778420810611,   -10.999253542364988,
    -8.7292405749546695,  -6.8388763451818138, -5.687508171619835,   -5.0673484899091967,
    -4.6288260149571316,  -4.0223694616708601, -2.8984075449576108,  -0.90736897972460939,
    2.3003175191209171,   14.816076187313701,  19.579917956667405,   19.95677620892609,
    17.142257074714841,   12.331966684658772,  6.7215111693829623,   1.5064966595125255,
    -2.1504563208122747,  -3.8453961966022399, -3.9330403420192388,  -2.8010917377099744,
    -0.82927672154317644, 1.6721047039021832,  4.4284997129410009,   7.1656509111021744,
    9.6052268542713808,   11.452599899761447,  12.409068355241969,   12.177992607129463,
    10.712244570216951,   8.4492846648220432,  5.882249437429004,    3.500104069388188,
    1.6958723439697094,   0.76663664636345075, 1.005307996625372,    2.6142939098174023,
    5.0082862093867586,   7.1963869371407405,  8.1843461532202078,   7.2724249322972065,
    4.9389284071685484,   1.9566727251622291,  -0.90152596639374871, -2.8628515201713793,
    -3.1544877888426677,  -1.0036186250796093, 8.7222243327609252,   12.573090448709157,
    13.416931301213459,   11.88881930363778,   8.6238268693460824,   4.25702641170232,
    -0.57650965592955039, -5.2430208635658229, -9.1389214389685574,  -11.690800307645585,
    -12.326558338484986,  -10.614984375591353, -7.3511144547685578,  -3.9613714637166897,
    -1.8773963632920156,  -2.0974395320068533, -3.8861890189977615,  -6.0749422910573543,
    -7.5003531651883613,  -7.6471938338171741, -7.2589787887467256,  -7.2238439774529901,
    -8.393428341656513,   -10.779939690702873, -13.556154701562681,  -15.858353045451119,
};

static const double noise_navigator_seed1[] = {
    19.548044825906814,   18.103356299381247,    16.773949368790483,   15.553413630989875,
    14.435338682834795,   13.413314121180598,    12.480929542882651,   11.631774544796313,
    10.859438723776949,   10.157511676679915,    9.5195830003605817,   8.9392422916742991,
    8.4100791474764396,   7.9256831646223578,    7.4796439399674179,   7.0655510703669808,
    6.6769941526764107,   6.3075627837510684,    5.9508465604463137,   5.60043507961751,
    5.2499179381200189,   4.8928847328092031,    4.5229250605404214,   4.13362851816904,
    3.7185847025504151,   3.2713832105399128,    2.7856136389928929,   2.254865584764719,
    1.6727286447107499,   1.0327924156863482,    0.33257966863481525,  -0.41465412914879279,
    -1.191720336281487,   -1.9814303113802743,   -2.7665954130621593,  -3.5300269999441527,
    -4.2545364306432587,  -4.9229350637764888,   -5.5180342579608466,  -6.0226453718133399,
    -6.4195797639509777,  -6.6916487929907671,   -6.8216638175497142,  -6.7924361962448234,
    -6.5867772876931099,  -6.1958441036201899,   -5.6441762681861398,  -4.9646590586596471,
    -4.1901777523094026,  -3.3536176264040991,   -2.4878639582124222,  -1.6258020250030625,
    -0.80031710404470813, -0.044294472606051682, 0.60938059204421946,  1.127822812637417,
    1.4781469119048496,   1.6274676125778282,    1.542899637387662,    1.1915577090656653,
    0.55339860544151132,  -0.34025267526164799,  -1.4452290797223031,  -2.717363554618935,
    -4.1124890466300306,  -5.5864385024340741,   -7.0950448687095511,  -8.594141092134949,
    -10.039560119388753,  -11.387134897149442,   -12.592698372095507,  -13.612083490905439,
    -14.401123200257713,  -14.915650446830812,   -15.11149817730324,   -14.958963605406073,
    -14.486201013080921,  -13.735828949321959,   -12.750465963123386,  -11.572730603479414,
    -10.245241419384236,  -8.8106169598320427,   -7.3114757738170404,  -5.7904364103334229,
    -4.2901174183753881,  -2.8531373469371335,   -1.52211474501286,    -0.3396681615967625,
    0.65158385431695742,  1.4090227537341049,    1.9018778511611949,   2.1467699151076038,
    2.1721675775834206,   2.0065394705987343,    1.6783542261636344,   1.2160804762882123,
    0.64818685298255618,  0.0031419882567545188, -0.6905854858790994,  -1.4045269374149201,
    -2.1102137343406149,  -2.7791772446460969,   -3.3829488363212734,  -3.8930598773560576,
    -4.2810417357403585,  -4.5257862101087598,   -4.6356268216745526,  -4.6262575222956883,
    -4.5133722638301297,  -4.3126649981358396,   -4.0398296770707764,  -3.7105602524928991,
    -3.3405506762601669,  -2.9454949002305413,   -2.5410868762619825,  -2.143020556212448,
    -1.7669898919398985,  -1.4286888353022955,   -1.1438113381575969,  -0.92805135236376302,
    -0.7928842504378395,  -0.73291108753321088,  -0.73851433946235079, -0.80007648203772963,
    -0.90797999107181682, -1.0526073423770852,   -1.2243410117660067,  -1.4135634750510513,
    -1.6106572080446917,  -1.8060046865593975,   -1.9899883864076411,  -2.1529907834018922,
    -2.2853943533546253,  -2.3775815720783089,   -2.4199349153854155,  -2.4028368590884144,
    -2.3166698789997788,  -2.1518164509319804,   -1.8986590506974887,  -1.5475801541087759,
    -1.0889622369783138,  -0.51318777511857361,  0.18936075565797417,  1.0283008795388584,
    2.013250120711608,    3.1538260033637497,    4.4596460516828156,   5.9403277898563296,
    7.6054887420718256,   9.4647464325168293,    7.1177190495688842,   4.9765091595828981,
    3.0321079976609546,   1.2755067989051334,    -0.30230320158248147, -1.7103307686998104,
    -2.9575846673447699,  -4.0530736624152794,   -5.0058065188092566,  -5.8247920014246217,
};

static void expect_noise_matches(cgm_model model, int interval_min, uint32_t seed,
                                 const double *expected, size_t count)
{
	cgm_sensor *s = cgm_sensor_new(model, interval_min, seed);
	cr_assert_not_null(s);
	for (size_t i = 0; i < count; i++) {
		double n = cgm_sensor_next_noise(s);
		cr_expect(fabs(n - expected[i]) < 1e-9,
		          "model %d interval %d seed %u value #%zu: %.17g, reference %.17g",
		          (int)model, interval_min, (unsigned)seed, i + 1, n, expected[i]);
	}
	cgm_sensor_free(s);
}

Test(cgm_noise, dexcom_noise_matches_simglucose_cgmnoise_for_seed_1)
{
	expect_noise_matches(CGM_DEXCOM, 0, 1u, noise_dexcom_seed1, COUNT_OF(noise_dexcom_seed1));
}

Test(cgm_noise, guardian_noise_matches_simglucose_cgmnoise_for_seed_1)
{
	expect_noise_matches(CGM_GUARDIAN_RT, 0, 1u, noise_guardian_seed1,
	                     COUNT_OF(noise_guardian_seed1));
}

Test(cgm_noise, navigator_noise_matches_simglucose_cgmnoise_across_a_block_join)
{
	expect_noise_matches(CGM_NAVIGATOR, 0, 1u, noise_navigator_seed1,
	                     COUNT_OF(noise_navigator_seed1));
}

Test(cgm_noise, four_minute_interval_restarts_its_grid_each_block_as_the_reference_does)
{
	/* 150 / 4 is not whole: each block gives t = 4 ... 148 (37 values). */
	expect_noise_matches(CGM_DEXCOM, 4, 2024u, noise_dexcom_4min_seed2024,
	                     COUNT_OF(noise_dexcom_4min_seed2024));
}

Test(cgm_noise, every_sensor_sees_the_same_values_at_the_15_minute_knots)
{
	const uint32_t seed = 31337u;
	cgm_sensor *dex = cgm_sensor_new(CGM_DEXCOM, 0, seed);
	cgm_sensor *gua = cgm_sensor_new(CGM_GUARDIAN_RT, 0, seed);
	cgm_sensor *nav = cgm_sensor_new(CGM_NAVIGATOR, 0, seed);
	cgm_sensor *k15 = cgm_sensor_new(CGM_NAVIGATOR, 15, seed);
	cgm_sensor *k150 = cgm_sensor_new(CGM_NAVIGATOR, 150, seed);
	cr_assert(dex && gua && nav && k15 && k150);
	double d = 0, g = 0, n = 0;
	for (int knot = 1; knot <= 200; knot++) {
		for (int i = 0; i < 5; i++)
			d = cgm_sensor_next_noise(dex);
		for (int i = 0; i < 3; i++)
			g = cgm_sensor_next_noise(gua);
		for (int i = 0; i < 15; i++)
			n = cgm_sensor_next_noise(nav);
		double k = cgm_sensor_next_noise(k15);
		cr_expect(fabs(d - k) < 1e-9 && fabs(g - k) < 1e-9 && fabs(n - k) < 1e-9,
		          "seed %u knot %d: dexcom %.17g guardian %.17g navigator %.17g knot %.17g",
		          (unsigned)seed, knot, d, g, n, k);
		if (knot % 10 == 0) {
			double b = cgm_sensor_next_noise(k150);
			cr_expect(fabs(b - k) < 1e-9, "seed %u knot %d: 150-min %.17g vs %.17g",
			          (unsigned)seed, knot, b, k);
		}
	}
	cgm_sensor_free(dex);
	cgm_sensor_free(gua);
	cgm_sensor_free(nav);
	cgm_sensor_free(k15);
	cgm_sensor_free(k150);
}

/* ------------------------------------------------------------------------------------ */
/* CGM noise statistics (spec §9 "Expected noise statistics")                          */
/* ------------------------------------------------------------------------------------ */

typedef struct noise_stats {
	double mean, sd, lag1, lag15min;
} noise_stats;

/* Pooled mean, population SD and sample autocorrelations of `minutes` of noise. */
static noise_stats measure_noise(cgm_model model, uint32_t seed, long minutes)
{
	cgm_sensor *s = cgm_sensor_new(model, 0, seed);
	cr_assert_not_null(s);
	int st = cgm_sensor_interval_min(s);
	size_t n = (size_t)(minutes / st);
	size_t lag15 = (size_t)(15 / st);
	double *x = malloc(n * sizeof *x);
	cr_assert_not_null(x);
	double sum = 0.0;
	for (size_t i = 0; i < n; i++) {
		x[i] = cgm_sensor_next_noise(s);
		sum += x[i];
	}
	noise_stats r;
	r.mean = sum / (double)n;
	double ss = 0.0, c1 = 0.0, c15 = 0.0;
	for (size_t i = 0; i < n; i++) {
		double di = x[i] - r.mean;
		ss += di * di;
		if (i + 1 < n)
			c1 += di * (x[i + 1] - r.mean);
		if (i + lag15 < n)
			c15 += di * (x[i + lag15] - r.mean);
	}
	r.sd = sqrt(ss / (double)n);
	r.lag1 = c1 / ss;
	r.lag15min = c15 / ss;
	free(x);
	cgm_sensor_free(s);
	return r;
}

/*
 * Ten years, a whole number of 150-min blocks (the SD varies with the position in a block).
 *
 * Tolerances are 3 standard errors. SE(mean) = 27.6 / sqrt(N15) as in the spec. SE(SD) is
 * 21 / sqrt(N15), not the spec's 9.7 / sqrt(N15): the spread of the SD between seeds of the
 * reference process itself (numpy RandomState + noise_gen.py knots) is 20.2 / sqrt(N15) over
 * 400 one-year runs, and this generator gives 21.0 / sqrt(N15) over 100 ten-year runs; the
 * spec's figure came from the spread of only 5 seeds. The autocorrelations vary between
 * ten-year runs by <= 0.0002 (lag 1) and 0.0012 (15 min).
 */
enum { STATS_MINUTES = 10 * 365 * 24 * 60 };
_Static_assert(STATS_MINUTES % 150 == 0, "whole blocks");

static void expect_noise_stats(cgm_model model, uint32_t seed, double sd_exact, double lag1_exact,
                               double lag15_exact)
{
	const double mean_exact = 0.719;
	const double n15 = STATS_MINUTES / 15.0;
	const double se_mean = 27.6 / sqrt(n15);
	const double se_sd = 21.0 / sqrt(n15);
	noise_stats st = measure_noise(model, seed, STATS_MINUTES);
	cr_expect(fabs(st.mean - mean_exact) <= 3.0 * se_mean,
	          "model %d seed %u: mean %.4f, expected %.3f +- %.4f (3 SE)", (int)model,
	          (unsigned)seed, st.mean, mean_exact, 3.0 * se_mean);
	cr_expect(fabs(st.sd - sd_exact) <= 3.0 * se_sd,
	          "model %d seed %u: SD %.4f, expected %.3f +- %.4f (3 SE)", (int)model,
	          (unsigned)seed, st.sd, sd_exact, 3.0 * se_sd);
	cr_expect(fabs(st.lag1 - lag1_exact) <= 0.001,
	          "model %d seed %u: lag-1 autocorrelation %.5f, expected %.4f", (int)model,
	          (unsigned)seed, st.lag1, lag1_exact);
	cr_expect(fabs(st.lag15min - lag15_exact) <= 0.005,
	          "model %d seed %u: 15-min autocorrelation %.4f, expected %.3f", (int)model,
	          (unsigned)seed, st.lag15min, lag15_exact);
}

Test(cgm_stats, dexcom_noise_has_the_model_mean_sd_and_autocorrelation)
{
	expect_noise_stats(CGM_DEXCOM, 20240601u, 11.631, 0.9834, 0.723);
}

Test(cgm_stats, guardian_noise_has_the_model_mean_sd_and_autocorrelation)
{
	expect_noise_stats(CGM_GUARDIAN_RT, 20240602u, 11.636, 0.9551, 0.722);
}

Test(cgm_stats, navigator_noise_has_the_model_mean_sd_and_autocorrelation)
{
	expect_noise_stats(CGM_NAVIGATOR, 20240603u, 11.629, 0.9981, 0.724);
}

/* ------------------------------------------------------------------------------------ */
/* Determinism                                                                          */
/* ------------------------------------------------------------------------------------ */

Test(cgm_sensor, same_seed_gives_the_same_readings_bit_for_bit)
{
	cgm_sensor *a = cgm_sensor_new(CGM_DEXCOM, 0, 12345u);
	cgm_sensor *b = cgm_sensor_new(CGM_DEXCOM, 0, 12345u);
	cr_assert(a && b);
	for (int64_t t = 0; t < 3 * 24 * 60; t++) {
		double ra = -1.0, rb = -2.0;
		bool da = cgm_sensor_read(a, t, 140.0, &ra);
		bool db = cgm_sensor_read(b, t, 140.0, &rb);
		cr_assert_eq(da, db, "t = %lld", (long long)t);
		if (da)
			cr_assert_eq(ra, rb, "t = %lld", (long long)t);
	}
	cgm_sensor_free(a);
	cgm_sensor_free(b);
}

Test(cgm_sensor, another_seed_gives_other_noise)
{
	cgm_sensor *a = cgm_sensor_new(CGM_GUARDIAN_RT, 0, 1u);
	cgm_sensor *b = cgm_sensor_new(CGM_GUARDIAN_RT, 0, 2u);
	cr_assert(a && b);
	int equal = 0;
	for (int i = 0; i < 300; i++)
		equal += cgm_sensor_next_noise(a) == cgm_sensor_next_noise(b);
	cr_expect_eq(equal, 0);
	cgm_sensor_free(a);
	cgm_sensor_free(b);
}

/* ------------------------------------------------------------------------------------ */
/* Readings                                                                             */
/* ------------------------------------------------------------------------------------ */

Test(cgm_sensor, reading_is_gsub_plus_the_next_noise_value)
{
	cgm_sensor *s = cgm_sensor_new(CGM_DEXCOM, 0, 77u);
	cgm_sensor *twin = cgm_sensor_new(CGM_DEXCOM, 0, 77u);
	cr_assert(s && twin);
	for (int64_t t = 0; t < 600; t += 3) {
		double r;
		cr_assert(cgm_sensor_read(s, t, 180.0, &r));
		cr_expect_eq(r, 180.0 + cgm_sensor_next_noise(twin), "t = %lld", (long long)t);
	}
	cgm_sensor_free(s);
	cgm_sensor_free(twin);
}

static void expect_clipped(cgm_model model, double gsub_mgdl, double expected_mgdl)
{
	cgm_sensor *s = cgm_sensor_new(model, 0, 5u);
	cr_assert_not_null(s);
	int st = cgm_sensor_interval_min(s);
	for (int64_t t = 0; t < 24 * 60; t += st) {
		double r;
		cr_assert(cgm_sensor_read(s, t, gsub_mgdl, &r));
		cr_expect_eq(r, expected_mgdl, "model %d Gsub %g t = %lld: %g", (int)model,
		             gsub_mgdl, (long long)t, r);
	}
	cgm_sensor_free(s);
}

Test(cgm_sensor, readings_are_clipped_to_39_600_and_navigator_to_32_600)
{
	expect_clipped(CGM_DEXCOM, -500.0, 39.0);
	expect_clipped(CGM_DEXCOM, 5000.0, 600.0);
	expect_clipped(CGM_GUARDIAN_RT, -500.0, 39.0);
	expect_clipped(CGM_GUARDIAN_RT, 5000.0, 600.0);
	expect_clipped(CGM_NAVIGATOR, -500.0, 32.0);
	expect_clipped(CGM_NAVIGATOR, 5000.0, 600.0);
}

Test(cgm_sensor, readings_near_the_limits_stay_inside_the_range)
{
	const cgm_model models[] = {CGM_DEXCOM, CGM_GUARDIAN_RT, CGM_NAVIGATOR};
	for (size_t m = 0; m < COUNT_OF(models); m++) {
		const cgm_params *p = cgm_params_for(models[m]);
		cgm_sensor *s = cgm_sensor_new(models[m], 1, 9u);
		cr_assert_not_null(s);
		int low = 0, high = 0;
		for (int64_t t = 0; t < 30 * 24 * 60; t++) {
			double gsub = (t / 60) % 2 ? p->max_mgdl - 5.0 : p->min_mgdl + 5.0;
			double r;
			cr_assert(cgm_sensor_read(s, t, gsub, &r));
			cr_assert(r >= p->min_mgdl && r <= p->max_mgdl, "%s t = %lld: %g", p->name,
			          (long long)t, r);
			low += r == p->min_mgdl;
			high += r == p->max_mgdl;
		}
		cr_expect(low > 0 && high > 0, "%s: the clip was never reached", p->name);
		cgm_sensor_free(s);
	}
}

Test(cgm_sensor, samples_only_on_multiples_of_the_interval_and_consumes_nothing_between)
{
	cgm_sensor *s = cgm_sensor_new(CGM_GUARDIAN_RT, 0, 3u);
	cgm_sensor *twin = cgm_sensor_new(CGM_GUARDIAN_RT, 0, 3u);
	cr_assert(s && twin);
	cr_assert_eq(cgm_sensor_interval_min(s), 5);
	for (int64_t t = 0; t <= 2 * 24 * 60; t++) {
		double r = -123.0;
		bool due = cgm_sensor_read(s, t, 100.0, &r);
		cr_assert_eq(due, t % 5 == 0, "t = %lld", (long long)t);
		if (due)
			cr_assert_eq(r, 100.0 + cgm_sensor_next_noise(twin), "t = %lld",
			             (long long)t);
		else
			cr_assert_eq(r, -123.0, "t = %lld: reading written when not due",
			             (long long)t);
	}
	cgm_sensor_free(s);
	cgm_sensor_free(twin);
}

Test(cgm_sensor, interval_override_sets_the_sampling_and_0_keeps_the_default)
{
	const struct {
		cgm_model model;
		int interval_min, expected_min;
	} cases[] = {
	    {CGM_IDEAL, 0, 5},       {CGM_DEXCOM, 0, 3},     {CGM_GUARDIAN_RT, 0, 5},
	    {CGM_NAVIGATOR, 0, 1},   {CGM_DEXCOM, 5, 5},     {CGM_NAVIGATOR, 4, 4},
	    {CGM_GUARDIAN_RT, 1, 1}, {CGM_DEXCOM, 150, 150}, {CGM_IDEAL, 1, 1},
	};
	for (size_t i = 0; i < COUNT_OF(cases); i++) {
		cgm_sensor *s = cgm_sensor_new(cases[i].model, cases[i].interval_min, 1u);
		cr_assert_not_null(s, "case %zu", i);
		cr_expect_eq(cgm_sensor_interval_min(s), cases[i].expected_min, "case %zu", i);
		cgm_sensor_free(s);
	}
}

Test(cgm_sensor, ideal_sensor_reads_gsub_exactly_and_has_zero_noise)
{
	cgm_sensor *s = cgm_sensor_new(CGM_IDEAL, 0, 42u);
	cr_assert_not_null(s);
	const double gsub[] = {0.0, 38.0, 123.456789, 599.9, 600.5, 1234.5};
	for (int64_t t = 0; t < 24 * 60; t += 5) {
		double g = gsub[(size_t)(t / 5) % COUNT_OF(gsub)];
		double r;
		cr_assert(cgm_sensor_read(s, t, g, &r));
		cr_expect_eq(r, g, "t = %lld", (long long)t);
	}
	for (int i = 0; i < 1000; i++)
		cr_expect_eq(cgm_sensor_next_noise(s), 0.0);
	cgm_sensor_free(s);
}

Test(cgm_sensor, ideal_sensor_clips_negative_glucose_to_zero)
{
	cgm_sensor *s = cgm_sensor_new(CGM_IDEAL, 0, 42u);
	cr_assert_not_null(s);
	double r;
	cr_assert(cgm_sensor_read(s, 0, -3.0, &r));
	cr_expect_eq(r, 0.0);
	cgm_sensor_free(s);
}

Test(cgm_sensor, bad_intervals_and_models_are_refused)
{
	const int bad[] = {-1, -5, 151, 1000, INT_MIN, INT_MAX};
	for (int m = 0; m < CGM_MODEL_COUNT; m++)
		for (size_t i = 0; i < COUNT_OF(bad); i++)
			cr_expect_null(cgm_sensor_new((cgm_model)m, bad[i], 1u),
			               "model %d interval %d", m, bad[i]);
	cr_expect_null(cgm_sensor_new(CGM_MODEL_COUNT, 0, 1u));
	cr_expect_null(cgm_sensor_new((cgm_model)-1, 0, 1u));
}

/* ------------------------------------------------------------------------------------ */
/* Parameters and names                                                                 */
/* ------------------------------------------------------------------------------------ */

Test(cgm_params, table_matches_sensor_params_csv)
{
	/* tests/fixtures/params/sensor_params.csv */
	const struct {
		cgm_model model;
		int sample_time_min;
		double min_mgdl;
	} rows[] = {{CGM_DEXCOM, 3, 39.0}, {CGM_GUARDIAN_RT, 5, 39.0}, {CGM_NAVIGATOR, 1, 32.0}};
	for (size_t i = 0; i < COUNT_OF(rows); i++) {
		const cgm_params *p = cgm_params_for(rows[i].model);
		cr_assert_not_null(p);
		cr_expect_eq(p->pacf, 0.7);
		cr_expect_eq(p->gamma, -0.5444);
		cr_expect_eq(p->lambda, 15.9574);
		cr_expect_eq(p->delta, 1.6898);
		cr_expect_eq(p->xi, -5.47);
		cr_expect_eq(p->sample_time_min, rows[i].sample_time_min);
		cr_expect_eq(p->min_mgdl, rows[i].min_mgdl);
		cr_expect_eq(p->max_mgdl, 600.0);
	}
	cr_expect_null(cgm_params_for(CGM_MODEL_COUNT));
}

Test(cgm_params, scenario_names_map_to_models_and_unknown_names_do_not)
{
	const struct {
		const char *name;
		cgm_model model;
	} names[] = {{"ideal", CGM_IDEAL},
	             {"dexcom", CGM_DEXCOM},
	             {"guardian", CGM_GUARDIAN_RT},
	             {"navigator", CGM_NAVIGATOR}};
	for (size_t i = 0; i < COUNT_OF(names); i++) {
		cgm_model m = CGM_MODEL_COUNT;
		cr_expect(cgm_model_from_name(names[i].name, &m), "%s", names[i].name);
		cr_expect_eq(m, names[i].model, "%s", names[i].name);
		cr_expect_str_eq(cgm_params_for(m)->name, names[i].name);
	}
	cgm_model m = CGM_DEXCOM;
	cr_expect_not(cgm_model_from_name("libre", &m));
	cr_expect_not(cgm_model_from_name("", &m));
	cr_expect_not(cgm_model_from_name(NULL, &m));
	cr_expect_eq(m, CGM_DEXCOM, "a failed lookup leaves *out alone");
}
