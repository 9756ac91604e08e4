/*
 * Unit test of the QoS cube rule (cube.c, ipcpd-unicast(8) "QoS
 * cubes"): the presets land in their cubes, and each field of the rule
 * moves a flow where the man page says: delay, bandwidth (only a flow
 * asking for no more than the voice preset's may take the voice cube),
 * availability, loss.
 */
#include "uni.h"

#include "../../../../tests/check.h"

static void test_presets(void)
{
        CHECK(uni_cube_of(&qos_voice) == CUBE_VOICE);
        CHECK(uni_cube_of(&qos_voice_crypt) == CUBE_VOICE);
        CHECK(uni_cube_of(&qos_video) == CUBE_VIDEO);
        CHECK(uni_cube_of(&qos_video_crypt) == CUBE_VIDEO);
        CHECK(uni_cube_of(&qos_data) == CUBE_DATA);
        CHECK(uni_cube_of(&qos_data_crypt) == CUBE_DATA);
        CHECK(uni_cube_of(&qos_raw) == CUBE_BE);
        CHECK(uni_cube_of(&qos_best_effort) == CUBE_BE);
        CHECK(uni_cube_of(NULL) == CUBE_BE);
}

static void test_fields(void)
{
        qosspec_t q = qos_raw;

        q.delay = 50;                   /* bandwidth 0: unspecified */
        CHECK(uni_cube_of(&q) == CUBE_VOICE);
        q.bandwidth = qos_voice.bandwidth;
        CHECK(uni_cube_of(&q) == CUBE_VOICE);
        q.bandwidth = qos_voice.bandwidth + 1;  /* more than a call */
        CHECK(uni_cube_of(&q) == CUBE_VIDEO);
        q.bandwidth = UINT64_MAX;
        CHECK(uni_cube_of(&q) == CUBE_VIDEO);

        q = qos_raw;
        q.delay = 51;
        CHECK(uni_cube_of(&q) == CUBE_VIDEO);
        q.delay = 200;
        CHECK(uni_cube_of(&q) == CUBE_VIDEO);
        q.delay = 201;
        CHECK(uni_cube_of(&q) == CUBE_BE);
        q.availability = 3;
        CHECK(uni_cube_of(&q) == CUBE_VIDEO);
        q.availability = 2;
        q.loss = 0;
        CHECK(uni_cube_of(&q) == CUBE_DATA);
        q.bandwidth = UINT64_MAX;       /* bandwidth moves only voice */
        CHECK(uni_cube_of(&q) == CUBE_DATA);
}

int main(void)
{
        check_keep_going = true;

        test_presets();
        test_fields();

        return check_report("cube");
}
